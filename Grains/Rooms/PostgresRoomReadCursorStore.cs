using Npgsql;
using NpgsqlTypes;

namespace OrleansChat.Grains.Rooms;

/// <summary>
/// Read cursors in the PostgreSQL table <c>chat_room_read_cursors</c> (DDL in Silo/Storage/postgres-grain-storage.sql),
/// one row per (room, user). A batch of reads is one upserting statement that keeps the greater seq, so moves that
/// arrive out of order never move a cursor back.
/// </summary>
public sealed class PostgresRoomReadCursorStore : IRoomReadCursorStore
{
    public const string Table = "chat_room_read_cursors";

    public const string Load = $"SELECT user_id, read_seq FROM {Table} WHERE room = @room";

    public const string AdvanceMany =
        $"INSERT INTO {Table} (room, user_id, read_seq) SELECT @room, u.user_id, u.read_seq FROM unnest(@user_id, @read_seq) AS u(user_id, read_seq) "
        + $"ON CONFLICT (room, user_id) DO UPDATE SET read_seq = GREATEST({Table}.read_seq, EXCLUDED.read_seq)";

    public const string Delete = $"DELETE FROM {Table} WHERE room = @room AND user_id = @user_id";

    private readonly NpgsqlDataSource _dataSource;

    /// <summary>Uses a data source the caller owns (the silo's one pool to that database).</summary>
    public PostgresRoomReadCursorStore(NpgsqlDataSource dataSource)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        _dataSource = dataSource;
    }

    public async Task<IReadOnlyDictionary<string, long>> LoadAsync(string room, CancellationToken cancellationToken = default)
    {
        await using var command = _dataSource.CreateCommand(Load);
        command.Parameters.Add(new NpgsqlParameter("room", NpgsqlDbType.Text) { Value = room });
        var cursors = new Dictionary<string, long>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            cursors[reader.GetString(0)] = reader.GetInt64(1);
        }

        return cursors;
    }

    public async Task AdvanceAsync(string room, IReadOnlyCollection<KeyValuePair<string, long>> cursors, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(cursors);
        if (cursors.Count == 0)
        {
            return;
        }

        // One statement may not update a row twice (ON CONFLICT): keep each user's highest seq.
        var highest = cursors.GroupBy(c => c.Key, StringComparer.Ordinal).Select(g => (User: g.Key, Seq: g.Max(c => c.Value))).ToArray();
        await using var command = _dataSource.CreateCommand(AdvanceMany);
        command.Parameters.Add(new NpgsqlParameter("room", NpgsqlDbType.Text) { Value = room });
        command.Parameters.Add(new NpgsqlParameter("user_id", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = highest.Select(h => h.User).ToArray() });
        command.Parameters.Add(new NpgsqlParameter("read_seq", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { Value = highest.Select(h => h.Seq).ToArray() });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task DeleteAsync(string room, string userId, CancellationToken cancellationToken = default)
    {
        await using var command = _dataSource.CreateCommand(Delete);
        command.Parameters.Add(new NpgsqlParameter("room", NpgsqlDbType.Text) { Value = room });
        command.Parameters.Add(new NpgsqlParameter("user_id", NpgsqlDbType.Text) { Value = userId });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
