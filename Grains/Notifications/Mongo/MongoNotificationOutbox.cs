using Microsoft.Extensions.Options;
using MongoDB.Bson;
using MongoDB.Driver;
using OrleansChat.Grains.MessageLog.Mongo;
using static OrleansChat.Grains.Notifications.Mongo.MongoOutboxDocuments;

namespace OrleansChat.Grains.Notifications.Mongo;

/// <summary>
/// The outbox in the MongoDB collection <c>notification_outbox</c> of the message log's database
/// (<see cref="MongoOutboxDocuments"/>), with the log's write concern; reads go to the primary, so a worker
/// reactivated on another silo reads what the last one wrote.
/// </summary>
public sealed class MongoNotificationOutbox : INotificationOutbox, IDisposable
{
    private readonly IMongoCollection<BsonDocument> _collection;
    private readonly IMongoClient? _ownedClient;
    private readonly MongoIndexSetup _indexes;

    /// <summary>Connects with the message log's settings (the outbox lives beside the messages); the client is owned and disposed with the store.</summary>
    public MongoNotificationOutbox(IOptions<MongoMessageLogOptions> options)
        : this(MongoMessageLog.CreateClient(options.Value), options.Value) => _ownedClient = _collection.Database.Client;

    /// <summary>Uses a client the caller owns (and disposes).</summary>
    public MongoNotificationOutbox(IMongoClient client, MongoMessageLogOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _collection = options.CollectionBesideTheLog(client, CollectionName);
        _indexes = new(EnsureIndexesAsync);
    }

    /// <summary>Creates the indexes of <see cref="MongoOutboxDocuments.IndexModels"/> (idempotent); done once before the first operation.</summary>
    public Task EnsureIndexesAsync(CancellationToken cancellationToken = default) =>
        _collection.Indexes.CreateManyAsync(IndexModels(), cancellationToken);

    public async Task EnqueueAsync(IReadOnlyList<OutboxEntry> entries, CancellationToken cancellationToken = default)
    {
        var writes = OutboxEntries.Merge(entries).SelectMany(EnqueueWrites).ToList();
        if (writes.Count == 0)
        {
            return;
        }

        await _indexes.EnsureAsync(cancellationToken);
        try
        {
            await _collection.BulkWriteAsync(writes, new BulkWriteOptions { IsOrdered = true }, cancellationToken);
        }
        catch (MongoBulkWriteException e) when (e.WriteErrors.All(w => w.Category == ServerErrorCategory.DuplicateKey))
        {
            // Two silos upserted the same new id at once: the other's insert won, and the entry exists. Retried once so
            // this batch's absorbing writes (and the rest after the failed one) still apply.
            await _collection.BulkWriteAsync(writes, new BulkWriteOptions { IsOrdered = false }, cancellationToken);
        }
    }

    /// <summary>
    /// MongoDB updates one document atomically, not a set chosen by a sort and a limit: each entry is claimed by its own
    /// <c>findOneAndUpdate</c> (at most <c>Notifications:BatchSize</c> round trips per pass), which two workers cannot
    /// both win.
    /// </summary>
    public async Task<IReadOnlyList<OutboxEntry>> ClaimDueAsync(int shard, DateTimeOffset now, int limit, DateTimeOffset leaseUntil, CancellationToken cancellationToken = default)
    {
        await _indexes.EnsureAsync(cancellationToken);
        var claim = new FindOneAndUpdateOptions<BsonDocument> { Sort = ByDueAt, ReturnDocument = ReturnDocument.Before };
        var claimed = new List<OutboxEntry>();
        while (claimed.Count < limit
            && await _collection.FindOneAndUpdateAsync(DueIn(shard, now), LeasedUntil(leaseUntil), claim, cancellationToken) is { } document)
        {
            claimed.Add(FromBsonDocument(document));
        }

        return claimed;
    }

    public async Task SaveAttemptAsync(OutboxEntry entry, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entry);
        await _indexes.EnsureAsync(cancellationToken);
        await _collection.UpdateOneAsync(ById(entry.Id), AttemptUpdate(entry), cancellationToken: cancellationToken);
    }

    public async Task<OutboxEntry?> FindAsync(string id, CancellationToken cancellationToken = default)
    {
        await _indexes.EnsureAsync(cancellationToken);
        var document = await _collection.Find(ById(id)).Limit(1).FirstOrDefaultAsync(cancellationToken);
        return document is null ? null : FromBsonDocument(document);
    }

    public async Task<int> PurgeAsync(int shard, DateTimeOffset sentBefore, DateTimeOffset deadBefore, CancellationToken cancellationToken = default)
    {
        await _indexes.EnsureAsync(cancellationToken);
        var deleted = await _collection.DeleteManyAsync(Purgeable(shard, sentBefore, deadBefore), cancellationToken);
        return (int)deleted.DeletedCount;
    }

    public void Dispose() => (_ownedClient as IDisposable)?.Dispose();
}
