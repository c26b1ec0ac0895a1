using MongoDB.Bson;
using MongoDB.Bson.Serialization;
using MongoDB.Bson.Serialization.Serializers;
using MongoDB.Driver;
using OrleansChat.Grains.Notifications;
using OrleansChat.Grains.Notifications.Mongo;

namespace OrleansChat.Tests.Notifications;

/// <summary>Offline checks of the MongoDB outbox: the document shape, the enqueue writes, the filters and the indexes that serve them.</summary>
public sealed class MongoOutboxMappingTests
{
    private static readonly DateTimeOffset T0 = DateTimeOffset.FromUnixTimeMilliseconds(1_764_000_000_000);

    private static RenderArgs<BsonDocument> Args => new(BsonDocumentSerializer.Instance, BsonSerializer.SerializerRegistry);

    private static OutboxEntry Entry(OutboxEntryKind kind = OutboxEntryKind.User) =>
        new("n:bob:dm:alice:bob:1", kind, 3, "{\"userId\":\"bob\"}", 1, 42, T0.AddSeconds(1), T0, T0);

    [Fact]
    public void A_new_entry_maps_to_typed_fields_and_back()
    {
        var document = BsonSerializer.Deserialize<BsonDocument>(MongoOutboxDocuments.ToNewDocument(Entry()).ToBson());

        Assert.Equal(["_id", "kind", "shard", "payload", "count", "lastSeq", "lastAt", "createdAt", "dueAt", "attempts", "status", "done"], document.Names);
        Assert.Equal(BsonType.Int64, document["dueAt"].BsonType);
        Assert.Equal("pending", document["status"].AsString);
        var back = MongoOutboxDocuments.FromBsonDocument(document);
        Assert.Equal((Entry().Id, OutboxEntryKind.User, 3, 42L, T0.AddSeconds(1), OutboxStatus.Pending), (back.Id, back.Kind, back.Shard, back.LastSeq, back.LastAt, back.Status));
        Assert.Empty(back.Done);
        Assert.Null(back.FinishedAt);
    }

    [Fact]
    public void A_user_enqueue_absorbs_another_seq_then_inserts_only_when_absent()
    {
        var writes = MongoOutboxDocuments.EnqueueWrites(Entry()).Cast<UpdateOneModel<BsonDocument>>().ToList();

        Assert.Equal(3, writes.Count);
        Assert.False(writes[0].IsUpsert);
        Assert.Equal(BsonDocument.Parse("{ _id: 'n:bob:dm:alice:bob:1', lastSeq: { $lt: NumberLong(42) } }"), writes[0].Filter.Render(Args));
        var absorb = writes[0].Update.Render(Args).AsBsonDocument;
        Assert.Equal(new BsonDocument("count", 1), absorb["$inc"].AsBsonDocument);
        Assert.Equal(BsonDocument.Parse("{ _id: 'n:bob:dm:alice:bob:1', lastSeq: { $gt: NumberLong(42) } }"), writes[1].Filter.Render(Args));
        Assert.Equal(BsonDocument.Parse("{ $inc: { count: 1 } }"), writes[1].Update.Render(Args).AsBsonDocument);
        Assert.True(writes[2].IsUpsert);
        var insert = writes[2].Update.Render(Args).AsBsonDocument;
        Assert.Equal(["$setOnInsert"], insert.Names);
        Assert.Equal("pending", insert["$setOnInsert"]["status"].AsString);
    }

    [Fact]
    public void A_webhook_enqueue_only_inserts()
    {
        var write = Assert.Single(MongoOutboxDocuments.EnqueueWrites(Entry(OutboxEntryKind.Webhook)));
        Assert.True(((UpdateOneModel<BsonDocument>)write).IsUpsert);
    }

    [Fact]
    public void The_due_read_matches_the_partial_due_index()
    {
        var filter = MongoOutboxDocuments.DueIn(5, T0).Render(Args);
        Assert.Equal(BsonDocument.Parse("{ shard: 5, status: 'pending', dueAt: { $lte: NumberLong(1764000000000) } }"), filter);
        Assert.Equal(new BsonDocument("dueAt", 1), MongoOutboxDocuments.ByDueAt.Render(Args));

        var due = MongoOutboxDocuments.IndexModels().Single(i => i.Options.Name == MongoOutboxDocuments.DueIndexName);
        Assert.Equal(BsonDocument.Parse("{ shard: 1, dueAt: 1 }"), due.Keys.Render(Args));
        var options = Assert.IsType<CreateIndexOptions<BsonDocument>>(due.Options);
        Assert.Equal(new BsonDocument("status", "pending"), options.PartialFilterExpression.Render(Args));
    }

    [Fact]
    public void An_attempt_sets_only_the_delivery_fields()
    {
        var update = MongoOutboxDocuments.AttemptUpdate(Entry() with { Attempts = 2, Done = ["wechat"], LastError = "x", FinishedAt = T0 }).Render(Args).AsBsonDocument;

        Assert.Equal(["status", "attempts", "dueAt", "done", "lastError", "finishedAt"], update["$set"].AsBsonDocument.Names);
        Assert.Equal(new BsonArray { "wechat" }, update["$set"]["done"]);
    }
}
