using Npgsql;
using NpgsqlTypes;

namespace OrleansChat.Grains.Rooms;

/// <summary>
/// The room directory in the PostgreSQL table <c>chat_room_directory</c> (DDL in Silo/Storage/postgres-grain-storage.sql):
/// one row per public room. A page is a range of the primary key, [prefix, prefix + "~"), after the cursor.
/// </summary>
public sealed class PostgresRoomDirectoryStore : IRoomDirectoryStore
{
    public const string Table = "chat_room_directory";

    public const string Upsert =
        $"INSERT INTO {Table} (room, members) VALUES (@room, @members) ON CONFLICT (room) DO UPDATE SET members = EXCLUDED.members";

    public const string Delete = $"DELETE FROM {Table} WHERE room = @room";

    /// <summary>Both bounds on the key, so the walk stops at the end of the prefix's range.</summary>
    public const string Page =
        $"SELECT room, members FROM {Table} WHERE room >= @from AND room > @after AND room < @to ORDER BY room LIMIT @limit";

    private readonly NpgsqlDataSource _dataSource;

    /// <summary>Uses a data source the caller owns (the silo's one pool to that database).</summary>
    public PostgresRoomDirectoryStore(NpgsqlDataSource dataSource)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        _dataSource = dataSource;
    }

    public async Task UpsertAsync(string room, int members, CancellationToken cancellationToken = default)
    {
        await using var command = _dataSource.CreateCommand(Upsert);
        command.Parameters.Add(new NpgsqlParameter("room", NpgsqlDbType.Text) { Value = room });
        command.Parameters.Add(new NpgsqlParameter("members", NpgsqlDbType.Integer) { Value = members });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task RemoveAsync(string room, CancellationToken cancellationToken = default)
    {
        await using var command = _dataSource.CreateCommand(Delete);
        command.Parameters.Add(new NpgsqlParameter("room", NpgsqlDbType.Text) { Value = room });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<RoomDirectoryEntry>> ListAsync(string prefix, string? after, int limit, CancellationToken cancellationToken = default)
    {
        if (limit <= 0)
        {
            return [];
        }

        await using var command = _dataSource.CreateCommand(Page);
        command.Parameters.Add(new NpgsqlParameter("from", NpgsqlDbType.Text) { Value = prefix });
        command.Parameters.Add(new NpgsqlParameter("after", NpgsqlDbType.Text) { Value = after ?? "" });
        command.Parameters.Add(new NpgsqlParameter("to", NpgsqlDbType.Text) { Value = RoomDirectoryRange.UpperBound(prefix) });
        command.Parameters.Add(new NpgsqlParameter("limit", NpgsqlDbType.Integer) { Value = limit });
        var rooms = new List<RoomDirectoryEntry>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            rooms.Add(new RoomDirectoryEntry(reader.GetString(0), reader.GetInt32(1)));
        }

        return rooms;
    }
}
