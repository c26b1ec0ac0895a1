using MongoDB.Bson;
using MongoDB.Driver;
using static OrleansChat.Grains.MessageLog.Mongo.MongoMessageDocument;

namespace OrleansChat.Grains.MessageLog.Mongo;

/// <summary>
/// Every filter, sort, projection and index of <see cref="MongoMessageLog"/> in one place, as data, so tests can
/// render them offline and check that history and sync are served by the <c>{conv, seq}</c> index: each read is
/// an equality on <c>conv</c>, a range on <c>seq</c> and a sort on <c>seq</c> only.
/// </summary>
public static class MongoMessageQueries
{
    public const string SequenceIndexName = "conv_1_seq_1";
    public const string IdempotencyIndexName = "conv_1_from.id_1_clientId_1";

    private static FilterDefinitionBuilder<BsonDocument> Filter => Builders<BsonDocument>.Filter;

    /// <summary>History: <c>{ conv, seq: { $lt: before } }</c>, or <c>{ conv }</c> for the newest page.</summary>
    public static FilterDefinition<BsonDocument> Before(string conv, long? beforeSeq) =>
        beforeSeq is { } before
            ? Filter.Eq(Conv, conv) & Filter.Lt(Seq, before)
            : Filter.Eq(Conv, conv);

    /// <summary>Sync: <c>{ conv, seq: { $gt: after } }</c>.</summary>
    public static FilterDefinition<BsonDocument> After(string conv, long afterSeq) =>
        Filter.Eq(Conv, conv) & Filter.Gt(Seq, afterSeq);

    /// <summary>Every message of one conversation (for the last seq).</summary>
    public static FilterDefinition<BsonDocument> Conversation(string conv) => Filter.Eq(Conv, conv);

    /// <summary>The one message at (conv, seq).</summary>
    public static FilterDefinition<BsonDocument> AtSeq(string conv, long seq) =>
        Filter.Eq(Conv, conv) & Filter.Eq(Seq, seq);

    /// <summary>The message a sender sent with a client id; the idempotency index serves it.</summary>
    public static FilterDefinition<BsonDocument> ByClientId(string conv, string senderId, string clientId) =>
        Filter.Eq(Conv, conv) & Filter.Eq(FromIdPath, senderId) & Filter.Eq(ClientId, clientId);

    /// <summary><c>{ seq: -1 }</c>: history and last seq walk the index backwards.</summary>
    /// <summary>The update that erases a recalled message: its body becomes <c>{kind: "recalled"}</c>.</summary>
    public static UpdateDefinition<BsonDocument> EraseBody { get; } =
        Builders<BsonDocument>.Update.Set(MongoMessageDocument.Body, MongoMessageDocument.BodyToBson(new OrleansChat.Model.RecalledBody()));

    public static SortDefinition<BsonDocument> NewestFirst { get; } = Builders<BsonDocument>.Sort.Descending(Seq);

    /// <summary><c>{ seq: 1 }</c>: sync walks the index forwards.</summary>
    public static SortDefinition<BsonDocument> OldestFirst { get; } = Builders<BsonDocument>.Sort.Ascending(Seq);

    /// <summary><c>{ seq: 1, _id: 0 }</c>: the last seq is read from the index alone (a covered query).</summary>
    public static ProjectionDefinition<BsonDocument> SeqOnly { get; } =
        Builders<BsonDocument>.Projection.Include(Seq).Exclude(Id);

    /// <summary>
    /// The indexes the log needs, created idempotently by <see cref="MongoMessageLog.EnsureIndexesAsync"/>:
    /// unique <c>{ conv: 1, seq: 1 }</c> (one message per seq; serves every read) and unique partial
    /// <c>{ conv: 1, "from.id": 1, clientId: 1 }</c> over documents that have a <c>clientId</c> (idempotent resends).
    /// </summary>
    public static IReadOnlyList<CreateIndexModel<BsonDocument>> IndexModels() =>
    [
        new CreateIndexModel<BsonDocument>(
            Builders<BsonDocument>.IndexKeys.Ascending(Conv).Ascending(Seq),
            new CreateIndexOptions<BsonDocument> { Name = SequenceIndexName, Unique = true }),
        new CreateIndexModel<BsonDocument>(
            Builders<BsonDocument>.IndexKeys.Ascending(Conv).Ascending(FromIdPath).Ascending(ClientId),
            new CreateIndexOptions<BsonDocument>
            {
                Name = IdempotencyIndexName,
                Unique = true,
                PartialFilterExpression = Filter.Exists(ClientId),
            }),
    ];
}
