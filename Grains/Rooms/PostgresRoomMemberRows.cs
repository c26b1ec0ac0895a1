using System.Data.Common;
using Npgsql;
using NpgsqlTypes;
using OrleansChat.Model;

namespace OrleansChat.Grains.Rooms;

/// <summary>
/// The SQL of <see cref="PostgresRoomMemberStore"/> and the mapping between <see cref="RoomMemberRecord"/> and a row
/// of <c>chat_room_members</c> (DDL in Silo/Storage/postgres-grain-storage.sql), in one place so tests can EXPLAIN
/// the reads. Every read is a range of the primary key (room, user_id) or of a partial index over members.
/// </summary>
public static class PostgresRoomMemberRows
{
    public const string Table = "chat_room_members";
    public const string PrimaryKeyName = "chat_room_members_pkey";
    public const string MembersIndexName = "chat_room_members_members";
    public const string AdminsIndexName = "chat_room_members_admins";

    private const string Columns = "user_id, status, is_admin, name, avatar, muted_until";

    /// <summary>Writes one row whole: the new row, or the new values over the old one.</summary>
    public const string Upsert =
        $"INSERT INTO {Table} (room, {Columns}) VALUES (@room, @user_id, @status, @is_admin, @name, @avatar, @muted_until) "
        + "ON CONFLICT (room, user_id) DO UPDATE SET status = EXCLUDED.status, is_admin = EXCLUDED.is_admin, "
        + "name = EXCLUDED.name, avatar = EXCLUDED.avatar, muted_until = EXCLUDED.muted_until";

    /// <summary><see cref="Upsert"/> for many rows in one statement, bound as one array per column.</summary>
    public const string UpsertMany =
        $"INSERT INTO {Table} (room, {Columns}) "
        + "SELECT * FROM unnest(@room, @user_id, @status, @is_admin, @name, @avatar, @muted_until) "
        + "ON CONFLICT (room, user_id) DO UPDATE SET status = EXCLUDED.status, is_admin = EXCLUDED.is_admin, "
        + "name = EXCLUDED.name, avatar = EXCLUDED.avatar, muted_until = EXCLUDED.muted_until";

    public const string Delete = $"DELETE FROM {Table} WHERE room = @room AND user_id = @user_id";

    /// <summary>A room's standings without profiles: name and avatar are not read, so they are never loaded into a grain.</summary>
    public const string Standings =
        $"SELECT user_id, status, is_admin, NULL, NULL, muted_until FROM {Table} WHERE room = @room";

    public const string Find = $"SELECT {Columns} FROM {Table} WHERE room = @room AND user_id = @user_id";

    /// <summary>A page of members after <c>@after</c> ('' for the first), walking the members' partial index.</summary>
    public const string Page =
        $"SELECT {Columns} FROM {Table} WHERE room = @room AND status = 'member' AND user_id > @after ORDER BY user_id LIMIT @limit";

    /// <summary>The smallest admin's id, else the smallest member's: the first entry of one partial index or the other.</summary>
    public const string Heir =
        $"SELECT COALESCE("
        + $"(SELECT user_id FROM {Table} WHERE room = @room AND status = 'member' AND is_admin ORDER BY user_id LIMIT 1), "
        + $"(SELECT user_id FROM {Table} WHERE room = @room AND status = 'member' ORDER BY user_id LIMIT 1))";

    public static string StatusText(MemberStatus status) => status switch
    {
        MemberStatus.Member => "member",
        MemberStatus.Invited => "invited",
        MemberStatus.Banned => "banned",
        MemberStatus.Left => "left",
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, "unknown member status"),
    };

    public static MemberStatus ParseStatus(string text) => text switch
    {
        "member" => MemberStatus.Member,
        "invited" => MemberStatus.Invited,
        "banned" => MemberStatus.Banned,
        "left" => MemberStatus.Left,
        _ => throw new FormatException($"Stored member status '{text}' is unknown."),
    };

    public static void BindRecord(NpgsqlCommand command, RoomMemberRecord record)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(record);
        Add(command, "room", NpgsqlDbType.Text, record.Room);
        Add(command, "user_id", NpgsqlDbType.Text, record.UserId);
        Add(command, "status", NpgsqlDbType.Text, StatusText(record.Status));
        Add(command, "is_admin", NpgsqlDbType.Boolean, record.IsAdmin);
        Add(command, "name", NpgsqlDbType.Text, record.Profile?.Name);
        Add(command, "avatar", NpgsqlDbType.Text, record.Profile?.AvatarUrl);
        Add(command, "muted_until", NpgsqlDbType.Bigint, record.MutedUntilMs);
    }

    /// <summary>Binds each column as an array for <see cref="UpsertMany"/>.</summary>
    public static void BindRecords(NpgsqlCommand command, IReadOnlyList<RoomMemberRecord> records)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(records);
        AddArray(command, "room", NpgsqlDbType.Text, records.Select(r => r.Room).ToArray());
        AddArray(command, "user_id", NpgsqlDbType.Text, records.Select(r => r.UserId).ToArray());
        AddArray(command, "status", NpgsqlDbType.Text, records.Select(r => StatusText(r.Status)).ToArray());
        AddArray(command, "is_admin", NpgsqlDbType.Boolean, records.Select(r => r.IsAdmin).ToArray());
        AddArray(command, "name", NpgsqlDbType.Text, records.Select(r => r.Profile?.Name).ToArray());
        AddArray(command, "avatar", NpgsqlDbType.Text, records.Select(r => r.Profile?.AvatarUrl).ToArray());
        AddArray(command, "muted_until", NpgsqlDbType.Bigint, records.Select(r => r.MutedUntilMs).ToArray());
    }

    public static void Add(NpgsqlCommand command, string name, NpgsqlDbType type, object? value)
    {
        ArgumentNullException.ThrowIfNull(command);
        command.Parameters.Add(new NpgsqlParameter(name, type) { Value = value ?? DBNull.Value });
    }

    /// <summary>Reads the row the reader is on (columns in the order of every SELECT above; a null name means no profile).</summary>
    public static RoomMemberRecord Read(string room, DbDataReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var userId = reader.GetString(0);
        return new RoomMemberRecord(
            room,
            userId,
            ParseStatus(reader.GetString(1)),
            reader.GetBoolean(2),
            reader.IsDBNull(3) ? null : new UserProfile(userId, reader.GetString(3), reader.IsDBNull(4) ? null : reader.GetString(4)),
            reader.IsDBNull(5) ? null : reader.GetInt64(5));
    }

    private static void AddArray<T>(NpgsqlCommand command, string name, NpgsqlDbType type, T[] values) =>
        command.Parameters.Add(new NpgsqlParameter(name, NpgsqlDbType.Array | type) { Value = values });
}
