using MongoDB.Bson;
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
}
