using MongoDB.Bson;
using MongoDB.Driver;
using OrleansChat.Grains.Rooms;
using OrleansChat.Tests.MessageLog;

namespace OrleansChat.Tests.Rooms;

/// <summary>
/// The conformance suite against a real MongoDB server named by <c>ORLEANSCHAT_TEST_MONGO_URI</c>; without it every
/// test is skipped. It works in the message log tests' throwaway database, dropped at the end.
/// </summary>
public sealed class MongoRoomMemberStoreTests(MongoTestDatabase database) : RoomMemberStoreConformanceTests, IClassFixture<MongoTestDatabase>
{
    protected override async Task<IRoomMemberStore> CreateStoreAsync()
    {
        var store = new MongoRoomMemberStore(database.RequireClient(), database.Options());
        await store.EnsureIndexesAsync();
        return store;
    }

    [SkippableFact]
    public async Task Ensure_indexes_is_idempotent_and_makes_the_key_unique()
    {
        var client = database.RequireClient();
        var options = database.Options();
        var store = new MongoRoomMemberStore(client, options);

        await store.EnsureIndexesAsync();
        await store.EnsureIndexesAsync();

        var collection = client.GetDatabase(options.Database).GetCollection<BsonDocument>(MongoRoomMemberDocuments.CollectionName);
        var indexes = await (await collection.Indexes.ListAsync()).ToListAsync();
        var byName = indexes.ToDictionary(i => i["name"].AsString);
        Assert.True(byName[MongoRoomMemberDocuments.KeyIndexName]["unique"].ToBoolean());
        Assert.Contains(MongoRoomMemberDocuments.MembersIndexName, byName.Keys);
        Assert.Contains(MongoRoomMemberDocuments.AdminsIndexName, byName.Keys);
    }
}
