using MongoDB.Bson;
using MongoDB.Bson.Serialization;
using MongoDB.Driver;
using OrleansChat.Grains.Rooms;
using OrleansChat.Tests.Infrastructure;
using OrleansChat.Tests.MessageLog;

namespace OrleansChat.Tests.Rooms;

/// <summary>The contract of <see cref="IRoomDirectoryStore"/>, run against every backend by deriving from this class.</summary>
public abstract class RoomDirectoryStoreConformanceTests
{
    /// <summary>A store to test; backends that cannot run here call <c>Skip.If</c> in it.</summary>
    protected abstract Task<IRoomDirectoryStore> CreateStoreAsync();

    /// <summary>A prefix of its own per test, so backends may share one database across tests.</summary>
    private static string NewPrefix() => $"p{Guid.NewGuid():N}";

    [SkippableFact]
    public async Task Rooms_with_the_prefix_come_in_name_order_after_the_cursor_with_their_latest_count()
    {
        var store = await CreateStoreAsync();
        var prefix = NewPrefix();
        foreach (var (name, members) in new[] { ("-b", 3), ("-a", 1), ("_z", 4), ("-c", 2), ("x", 9) })
        {
            await store.UpsertAsync(prefix + name, members);
        }

        await store.UpsertAsync(prefix + "-a", 5); // the newest count wins
        await store.UpsertAsync("q" + prefix, 1); // does not start with the prefix

        var all = await store.ListAsync(prefix, null, 10);
        var page = await store.ListAsync(prefix + "-", prefix + "-a", 1);

        Assert.Equal([(prefix + "-a", 5), (prefix + "-b", 3), (prefix + "-c", 2), (prefix + "_z", 4), (prefix + "x", 9)], all.Select(r => (r.Room, r.Members)));
        Assert.Equal([prefix + "-b"], page.Select(r => r.Room));
        Assert.Empty(await store.ListAsync(prefix, prefix + "x", 10));
        Assert.Empty(await store.ListAsync(prefix, null, 0));
    }

    [SkippableFact]
    public async Task A_removed_room_is_no_longer_listed_and_removing_a_missing_one_is_no_error()
    {
        var store = await CreateStoreAsync();
        var prefix = NewPrefix();
        await store.UpsertAsync(prefix + "a", 1);
        await store.UpsertAsync(prefix + "b", 1);

        await store.RemoveAsync(prefix + "a");
        await store.RemoveAsync(prefix + "never");

        Assert.Equal([prefix + "b"], (await store.ListAsync(prefix, null, 10)).Select(r => r.Room));
    }
}

public sealed class InMemoryRoomDirectoryStoreTests : RoomDirectoryStoreConformanceTests
{
    protected override Task<IRoomDirectoryStore> CreateStoreAsync() => Task.FromResult<IRoomDirectoryStore>(new InMemoryRoomDirectoryStore());
}

/// <summary>Against a real PostgreSQL, in the message log's test database, created by the same migration as <c>Silo migrate</c>.</summary>
[Collection(PostgresFixtureDefinition.Name)]
public sealed class PostgresRoomDirectoryStoreTests(PostgresServer postgres) : RoomDirectoryStoreConformanceTests
{
    private readonly MessageLogPool _pool = new(postgres);

    protected override async Task<IRoomDirectoryStore> CreateStoreAsync() => new PostgresRoomDirectoryStore(await _pool.GetAsync());
}

/// <summary>Against a real MongoDB named by <c>ORLEANSCHAT_TEST_MONGO_URI</c>; skipped without it. The page filter renders offline.</summary>
public sealed class MongoRoomDirectoryStoreTests(MongoTestDatabase database) : RoomDirectoryStoreConformanceTests, IClassFixture<MongoTestDatabase>
{
    protected override Task<IRoomDirectoryStore> CreateStoreAsync() =>
        Task.FromResult<IRoomDirectoryStore>(new MongoRoomDirectoryStore(database.RequireClient(), database.Options()));

    [Fact]
    public void A_page_is_a_range_of_the_id_from_the_prefix_or_after_the_cursor()
    {
        var serializer = BsonSerializer.SerializerRegistry.GetSerializer<BsonDocument>();
        BsonDocument Render(FilterDefinition<BsonDocument> filter) => filter.Render(new RenderArgs<BsonDocument>(serializer, BsonSerializer.SerializerRegistry));

        Assert.Equal(BsonDocument.Parse("{ _id: { $gte: 'ab', $lt: 'ab~' } }"), Render(MongoRoomDirectoryStore.PageFilter("ab", null)));
        Assert.Equal(BsonDocument.Parse("{ _id: { $gt: 'abc', $lt: 'ab~' } }"), Render(MongoRoomDirectoryStore.PageFilter("ab", "abc")));
        Assert.Equal(BsonDocument.Parse("{ _id: { $gte: 'ab', $lt: 'ab~' } }"), Render(MongoRoomDirectoryStore.PageFilter("ab", "aa")));
    }
}
