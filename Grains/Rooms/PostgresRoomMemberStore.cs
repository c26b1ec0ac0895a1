using Npgsql;
using NpgsqlTypes;
using static OrleansChat.Grains.Rooms.PostgresRoomMemberRows;

namespace OrleansChat.Grains.Rooms;

/// <summary>
/// Room members in the PostgreSQL table <c>chat_room_members</c> of the message log's database, one row per
/// (room, user) (SQL and mapping: <see cref="PostgresRoomMemberRows"/>). Every write is one autocommitted statement
/// on one row; a page of members or the heir is a short walk of a partial index.
/// </summary>
public sealed class PostgresRoomMemberStore : IRoomMemberStore, IAsyncDisposable, IDisposable
{
    /// <summary>Rows per statement when many are saved at once: bounds the statement's size, not the total.</summary>
    private const int SaveManyChunk = 5_000;

    private readonly NpgsqlDataSource _dataSource;
    private readonly bool _ownsDataSource;

    /// <summary>
    /// Connects with <paramref name="connectionString"/>; the pool is owned and disposed with the store. For members
    /// kept beside PostgreSQL grain state when the message log is in memory.
    /// </summary>
    public static PostgresRoomMemberStore Connect(string connectionString) =>
        new(NpgsqlDataSource.Create(connectionString), ownsDataSource: true);

    /// <summary>Uses a data source the caller owns (and disposes).</summary>
    public PostgresRoomMemberStore(NpgsqlDataSource dataSource)
        : this(dataSource, ownsDataSource: false)
    {
    }

    private PostgresRoomMemberStore(NpgsqlDataSource dataSource, bool ownsDataSource)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        (_dataSource, _ownsDataSource) = (dataSource, ownsDataSource);
    }

    public RoomMemberWrites Writes { get; } = new();

    public async Task<IReadOnlyList<RoomMemberRecord>> LoadStandingsAsync(string room, CancellationToken cancellationToken = default)
    {
        await using var command = _dataSource.CreateCommand(Standings);
        Add(command, "room", NpgsqlDbType.Text, room);
        return await ReadAllAsync(room, command, cancellationToken);
    }

    public async Task<RoomMemberRecord?> FindAsync(string room, string userId, CancellationToken cancellationToken = default)
    {
        await using var command = _dataSource.CreateCommand(Find);
        Add(command, "room", NpgsqlDbType.Text, room);
        Add(command, "user_id", NpgsqlDbType.Text, userId);
        return (await ReadAllAsync(room, command, cancellationToken)).SingleOrDefault();
    }

    public async Task SaveAsync(RoomMemberRecord record, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        await using var command = _dataSource.CreateCommand(Upsert);
        BindRecord(command, record);
        var rows = await command.ExecuteNonQueryAsync(cancellationToken);
        Writes.Add(rows, rows * (long)record.PayloadBytes);
    }

    public async Task SaveManyAsync(IReadOnlyCollection<RoomMemberRecord> records, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(records);
        // One statement may not update a row twice (ON CONFLICT): the last record of a key wins, as saving one by one would.
        var lastPerKey = records.GroupBy(r => (r.Room, r.UserId)).Select(g => g.Last()).ToList();
        foreach (var chunk in lastPerKey.Chunk(SaveManyChunk))
        {
            await using var command = _dataSource.CreateCommand(UpsertMany);
            BindRecords(command, chunk);
            var rows = await command.ExecuteNonQueryAsync(cancellationToken);
            Writes.Add(rows, chunk.Sum(r => (long)r.PayloadBytes));
        }
    }

    public async Task DeleteAsync(string room, string userId, CancellationToken cancellationToken = default)
    {
        await using var command = _dataSource.CreateCommand(Delete);
        Add(command, "room", NpgsqlDbType.Text, room);
        Add(command, "user_id", NpgsqlDbType.Text, userId);
        var rows = await command.ExecuteNonQueryAsync(cancellationToken);
        Writes.Add(rows, rows * (long)RoomMemberRecord.KeyBytes(room, userId));
    }

    public async Task<RoomMemberPage> ListMembersAsync(string room, string? afterUserId, int limit, CancellationToken cancellationToken = default)
    {
        if (limit <= 0)
        {
            return new RoomMemberPage([], Next: null);
        }

        await using var command = _dataSource.CreateCommand(Page);
        Add(command, "room", NpgsqlDbType.Text, room);
        Add(command, "after", NpgsqlDbType.Text, afterUserId ?? "");
        Add(command, "limit", NpgsqlDbType.Bigint, limit + 1L);
        return RoomMemberPages.Of(await ReadAllAsync(room, command, cancellationToken), limit);
    }

    public async Task<string?> FindHeirAsync(string room, CancellationToken cancellationToken = default)
    {
        await using var command = _dataSource.CreateCommand(Heir);
        Add(command, "room", NpgsqlDbType.Text, room);
        return await command.ExecuteScalarAsync(cancellationToken) as string;
    }

    public ValueTask DisposeAsync() => _ownsDataSource ? _dataSource.DisposeAsync() : ValueTask.CompletedTask;

    public void Dispose()
    {
        if (_ownsDataSource)
        {
            _dataSource.Dispose();
        }
    }

    private static async Task<List<RoomMemberRecord>> ReadAllAsync(string room, NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var records = new List<RoomMemberRecord>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            records.Add(Read(room, reader));
        }

        return records;
    }
}
