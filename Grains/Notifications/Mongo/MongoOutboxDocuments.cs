using MongoDB.Bson;
using MongoDB.Driver;
using OrleansChat.Grains.Notifications.Postgres;

namespace OrleansChat.Grains.Notifications.Mongo;

/// <summary>
/// The document shape, filters, updates and indexes of <see cref="MongoNotificationOutbox"/>, as data so tests can render
/// them offline. One document per entry, keyed by its id:
/// <c>{ _id, kind: "user"|"webhook", shard, payload, count, lastSeq, lastAt, createdAt, dueAt, attempts,
/// status: "pending"|"sent"|"dead", done: [..], lastError?, finishedAt? }</c> (times as Unix milliseconds, 64-bit).
/// </summary>
public static class MongoOutboxDocuments
{
    public const string CollectionName = "notification_outbox";
    public const string DueIndexName = "shard_1_dueAt_1_pending";
    public const string FinishedIndexName = "shard_1_status_1_finishedAt_1";

    public const string Id = "_id";
    public const string Kind = "kind";
    public const string Shard = "shard";
    public const string Payload = "payload";
    public const string Count = "count";
    public const string LastSeq = "lastSeq";
    public const string LastAt = "lastAt";
    public const string CreatedAt = "createdAt";
    public const string DueAt = "dueAt";
    public const string Attempts = "attempts";
    public const string Status = "status";
    public const string Done = "done";
    public const string LastError = "lastError";
    public const string FinishedAt = "finishedAt";

    private static FilterDefinitionBuilder<BsonDocument> Filter => Builders<BsonDocument>.Filter;

    private static UpdateDefinitionBuilder<BsonDocument> Update => Builders<BsonDocument>.Update;

    /// <summary>A new entry as stored: pending, unattempted.</summary>
    public static BsonDocument ToNewDocument(OutboxEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return new BsonDocument
        {
            { Id, entry.Id },
            { Kind, PostgresOutboxRows.KindText(entry.Kind) },
            { Shard, entry.Shard },
            { Payload, entry.Payload },
            { Count, entry.Count },
            { LastSeq, new BsonInt64(entry.LastSeq) },
            { LastAt, new BsonInt64(entry.LastAt.ToUnixTimeMilliseconds()) },
            { CreatedAt, new BsonInt64(entry.CreatedAt.ToUnixTimeMilliseconds()) },
            { DueAt, new BsonInt64(entry.DueAt.ToUnixTimeMilliseconds()) },
            { Attempts, 0 },
            { Status, "pending" },
            { Done, new BsonArray() },
        };
    }

    public static OutboxEntry FromBsonDocument(BsonDocument document)
    {
        ArgumentNullException.ThrowIfNull(document);
        return new OutboxEntry(
            document[Id].AsString,
            PostgresOutboxRows.KindOf(document[Kind].AsString),
            document[Shard].ToInt32(),
            document[Payload].AsString,
            document[Count].ToInt32(),
            document[LastSeq].ToInt64(),
            Ms(document[LastAt]),
            Ms(document[CreatedAt]),
            Ms(document[DueAt]),
            document[Attempts].ToInt32(),
            PostgresOutboxRows.StatusOf(document[Status].AsString),
            [.. document[Done].AsBsonArray.Select(d => d.AsString)],
            document.TryGetValue(LastError, out var error) && error.IsString ? error.AsString : null,
            document.TryGetValue(FinishedAt, out var finished) && !finished.IsBsonNull ? Ms(finished) : null);
    }

    /// <summary>
    /// An enqueue, as ordered writes: for a user entry, one that absorbs a newer message (no upsert: it matches only
    /// when the stored last seq is older, and takes the payload) and one that counts an older one (the stored last seq
    /// is newer); then one that inserts the entry when absent and changes nothing otherwise. The entry's own last
    /// message again (a retried write) matches none.
    /// </summary>
    public static IEnumerable<WriteModel<BsonDocument>> EnqueueWrites(OutboxEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        if (entry.Kind == OutboxEntryKind.User)
        {
            yield return new UpdateOneModel<BsonDocument>(
                Filter.Eq(Id, entry.Id) & Filter.Lt(LastSeq, entry.LastSeq),
                Update.Inc(Count, entry.Count)
                    .Set(LastSeq, new BsonInt64(entry.LastSeq))
                    .Set(LastAt, new BsonInt64(entry.LastAt.ToUnixTimeMilliseconds()))
                    .Set(Payload, entry.Payload));
            yield return new UpdateOneModel<BsonDocument>(Filter.Eq(Id, entry.Id) & Filter.Gt(LastSeq, entry.LastSeq), Update.Inc(Count, entry.Count));
        }

        var document = ToNewDocument(entry);
        var insertOnly = Update.Combine(document.Elements.Where(e => e.Name != Id).Select(e => Update.SetOnInsert(e.Name, e.Value)));
        yield return new UpdateOneModel<BsonDocument>(Filter.Eq(Id, entry.Id), insertOnly) { IsUpsert = true };
    }

    public static FilterDefinition<BsonDocument> DueIn(int shard, DateTimeOffset now) =>
        Filter.Eq(Shard, shard) & Filter.Eq(Status, "pending") & Filter.Lte(DueAt, now.ToUnixTimeMilliseconds());

    public static SortDefinition<BsonDocument> ByDueAt { get; } = Builders<BsonDocument>.Sort.Ascending(DueAt);

    public static FilterDefinition<BsonDocument> ById(string id) => Filter.Eq(Id, id);

    /// <summary>A claim: the entry is due again only when the lease ends (<see cref="INotificationOutbox.ClaimDueAsync"/>).</summary>
    public static UpdateDefinition<BsonDocument> LeasedUntil(DateTimeOffset leaseUntil) =>
        Update.Set(DueAt, new BsonInt64(leaseUntil.ToUnixTimeMilliseconds()));

    public static UpdateDefinition<BsonDocument> AttemptUpdate(OutboxEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return Update
            .Set(Status, PostgresOutboxRows.StatusText(entry.Status))
            .Set(Attempts, entry.Attempts)
            .Set(DueAt, new BsonInt64(entry.DueAt.ToUnixTimeMilliseconds()))
            .Set(Done, new BsonArray(entry.Done))
            .Set(LastError, entry.LastError is null ? BsonNull.Value : (BsonValue)new BsonString(entry.LastError))
            .Set(FinishedAt, entry.FinishedAt is { } at ? new BsonInt64(at.ToUnixTimeMilliseconds()) : (BsonValue)BsonNull.Value);
    }

    public static FilterDefinition<BsonDocument> Purgeable(int shard, DateTimeOffset sentBefore, DateTimeOffset deadBefore) =>
        Filter.Eq(Shard, shard) & (
            (Filter.Eq(Status, "sent") & Filter.Lt(FinishedAt, sentBefore.ToUnixTimeMilliseconds()))
            | (Filter.Eq(Status, "dead") & Filter.Lt(FinishedAt, deadBefore.ToUnixTimeMilliseconds())));

    /// <summary>
    /// <c>{ shard, dueAt }</c> over pending entries only (a pass's read: equality on shard, range and sort on dueAt),
    /// and <c>{ shard, status, finishedAt }</c> (the purge).
    /// </summary>
    public static IReadOnlyList<CreateIndexModel<BsonDocument>> IndexModels() =>
    [
        new(Builders<BsonDocument>.IndexKeys.Ascending(Shard).Ascending(DueAt), new CreateIndexOptions<BsonDocument>
        {
            Name = DueIndexName,
            PartialFilterExpression = Filter.Eq(Status, "pending"),
        }),
        new(Builders<BsonDocument>.IndexKeys.Ascending(Shard).Ascending(Status).Ascending(FinishedAt), new CreateIndexOptions { Name = FinishedIndexName }),
    ];

    private static DateTimeOffset Ms(BsonValue value) => DateTimeOffset.FromUnixTimeMilliseconds(value.ToInt64());
}
