using MongoDB.Bson;
using MongoDB.Bson.Serialization;
using MongoDB.Driver;
using OrleansChat.Gateway.Media;
using OrleansChat.Gateway.Media.Storage;
using OrleansChat.Tests.MessageLog;

namespace OrleansChat.Tests.Media;

/// <summary>The conformance suite against GridFS on the server named by ORLEANSCHAT_TEST_MONGO_URI (skipped without it); the mapping offline.</summary>
public sealed class MongoMediaStoreTests(MongoTestDatabase database) : MediaStoreConformanceTests, IClassFixture<MongoTestDatabase>
{
    protected override Task<IMediaStore> CreateStoreAsync() => Task.FromResult<IMediaStore>(
        new MongoMediaStore(database.RequireClient(), new MongoMediaOptions { Database = database.DatabaseName, BucketName = "media" }));

    [Fact]
    public void An_item_document_maps_back_to_the_same_description()
    {
        var media = new StoredMedia(
            MediaIds.For("alice", "h"), "alice", MediaKind.Image, "image/webp", 1234, "h",
            DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_123), 640, 480, null, "image/webp", 99);
        var files = new[] { ObjectId.GenerateNewId(), ObjectId.GenerateNewId() };

        var document = MongoMediaDocuments.ToDocument(media, files);

        Assert.Equal(media, MongoMediaDocuments.ToMedia(document));
        Assert.Equal(files[1], MongoMediaDocuments.FileId(document, MediaVariant.Thumbnail));
        Assert.Empty(MongoMediaDocuments.SharesOf(document));
    }

    [Fact]
    public void A_sealed_item_keeps_its_key_id_and_the_purge_queries_render_as_meant()
    {
        var media = new StoredMedia(MediaIds.For("alice", "s"), "alice", MediaKind.Audio, "audio/mp4", 4096, "s",
            DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000), DurationMs: 900, KeyId: "k1");
        var document = MongoMediaDocuments.ToDocument(media, [ObjectId.GenerateNewId()]);
        var serializer = BsonSerializer.SerializerRegistry.GetSerializer<BsonDocument>();
        BsonDocument Render(FilterDefinition<BsonDocument> filter) => filter.Render(new RenderArgs<BsonDocument>(serializer, BsonSerializer.SerializerRegistry));

        Assert.Equal(media, MongoMediaDocuments.ToMedia(document));
        Assert.Empty(document[MongoMediaDocuments.Messages].AsBsonArray);
        Assert.Equal("room:a.b\n12", MongoMediaDocuments.MessageReference("room:a.b", 12));
        var pattern = Render(MongoMediaDocuments.NoMessageIn("room:a.b"))[MongoMediaDocuments.Messages]["$not"].AsBsonRegularExpression.Pattern;
        Assert.Matches(pattern, MongoMediaDocuments.MessageReference("room:a.b", 12));
        Assert.DoesNotMatch(pattern, MongoMediaDocuments.MessageReference("room:aXb", 12)); // the dot is escaped
        Assert.DoesNotMatch(pattern, MongoMediaDocuments.MessageReference("room:a.bc", 12)); // a longer id that starts the same
        var orphans = Render(MongoMediaDocuments.Orphans(DateTimeOffset.UnixEpoch)).ToString();
        Assert.Contains(MongoMediaDocuments.ReleasedAt, orphans, StringComparison.Ordinal);
        var released = Render(MongoMediaDocuments.Released(DateTimeOffset.UnixEpoch)).ToString();
        Assert.Contains("\"$size\" : 0", released, StringComparison.Ordinal);
    }
}
