using OrleansChat.Grains.Rooms;
using OrleansChat.Tests.Infrastructure;
using OrleansChat.Tests.MessageLog;

namespace OrleansChat.Tests.Rooms;

/// <summary>The contract of <see cref="IRoomReadCursorStore"/>, run against every backend by deriving from this class.</summary>
public abstract class RoomReadCursorStoreConformanceTests
{
    /// <summary>A store to test; backends that cannot run here call <c>Skip.If</c> in it.</summary>
    protected abstract Task<IRoomReadCursorStore> CreateStoreAsync();

    private static string NewRoom() => $"r{Guid.NewGuid():N}";

    private static KeyValuePair<string, long> Cursor(string userId, long seq) => new(userId, seq);

    [SkippableFact]
    public async Task Cursors_move_forward_only_per_room_and_a_batch_may_name_a_user_twice()
    {
        var store = await CreateStoreAsync();
        var (room, other) = (NewRoom(), NewRoom());

        await store.AdvanceAsync(room, [Cursor("alice", 5), Cursor("bob", 2), Cursor("bob", 7)]);
        await store.AdvanceAsync(room, [Cursor("alice", 3), Cursor("cy", 1)]);
        await store.AdvanceAsync(other, [Cursor("alice", 9)]);
        await store.AdvanceAsync(room, []);

        var stored = await store.LoadAsync(room);
        Assert.Equal(new Dictionary<string, long> { ["alice"] = 5, ["bob"] = 7, ["cy"] = 1 }, stored.OrderBy(c => c.Key).ToDictionary());
        Assert.Equal(9, (await store.LoadAsync(other))["alice"]);
    }

    [SkippableFact]
    public async Task A_deleted_cursor_is_gone_and_deleting_a_missing_one_is_no_error()
    {
        var store = await CreateStoreAsync();
        var room = NewRoom();
        await store.AdvanceAsync(room, [Cursor("alice", 5), Cursor("bob", 2)]);

        await store.DeleteAsync(room, "alice");
        await store.DeleteAsync(room, "nobody");

        Assert.Equal(["bob"], (await store.LoadAsync(room)).Keys);
        Assert.Empty(await store.LoadAsync(NewRoom()));
    }
}

public sealed class InMemoryRoomReadCursorStoreTests : RoomReadCursorStoreConformanceTests
{
    protected override Task<IRoomReadCursorStore> CreateStoreAsync() => Task.FromResult<IRoomReadCursorStore>(new InMemoryRoomReadCursorStore());
}

/// <summary>Against a real PostgreSQL, in the message log's test database, created by the same migration as <c>Silo migrate</c>.</summary>
[Collection(PostgresFixtureDefinition.Name)]
public sealed class PostgresRoomReadCursorStoreTests(PostgresServer postgres) : RoomReadCursorStoreConformanceTests
{
    private readonly MessageLogPool _pool = new(postgres);

    protected override async Task<IRoomReadCursorStore> CreateStoreAsync() => new PostgresRoomReadCursorStore(await _pool.GetAsync());
}

/// <summary>Against a real MongoDB named by <c>ORLEANSCHAT_TEST_MONGO_URI</c>; skipped without it.</summary>
public sealed class MongoRoomReadCursorStoreTests(MongoTestDatabase database) : RoomReadCursorStoreConformanceTests, IClassFixture<MongoTestDatabase>
{
    protected override Task<IRoomReadCursorStore> CreateStoreAsync() =>
        Task.FromResult<IRoomReadCursorStore>(new MongoRoomReadCursorStore(database.RequireClient(), database.Options()));
}
