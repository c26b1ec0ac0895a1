using Microsoft.Extensions.Options;
using MongoDB.Bson;
using MongoDB.Driver;
using OrleansChat.Grains.MessageLog.Mongo;

namespace OrleansChat.Grains.Rooms;

/// <summary>
/// The room directory in the MongoDB collection <c>room_directory</c>: one document <c>{ _id: room, members }</c> per
/// public room. A page is a range of <c>_id</c> (its own index), [prefix, prefix + "~"), after the cursor.
/// </summary>
public sealed class MongoRoomDirectoryStore : IRoomDirectoryStore, IDisposable
{
    public const string CollectionName = "room_directory";
    public const string Members = "members";

    private readonly IMongoCollection<BsonDocument> _collection;
    private readonly IMongoClient? _ownedClient;

    /// <summary>Connects with the message log's settings; the client is owned and disposed with the store.</summary>
    public MongoRoomDirectoryStore(IOptions<MongoMessageLogOptions> options)
        : this(MongoMessageLog.CreateClient(options.Value), options.Value) => _ownedClient = _collection.Database.Client;

    /// <summary>Uses a client the caller owns (and disposes).</summary>
    public MongoRoomDirectoryStore(IMongoClient client, MongoMessageLogOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _collection = options.CollectionBesideTheLog(client, CollectionName);
    }

    private static FilterDefinitionBuilder<BsonDocument> Filter => Builders<BsonDocument>.Filter;

    /// <summary>Names in [prefix, prefix + "~") after the cursor: a range of the _id index.</summary>
    public static FilterDefinition<BsonDocument> PageFilter(string prefix, string? after) =>
        (RoomDirectoryRange.StartsAfterCursor(prefix, after) ? Filter.Gt("_id", after) : Filter.Gte("_id", prefix))
        & Filter.Lt("_id", RoomDirectoryRange.UpperBound(prefix));

    public async Task UpsertAsync(string room, int members, CancellationToken cancellationToken = default) =>
        await _collection.ReplaceOneAsync(
            Filter.Eq("_id", room), new BsonDocument { { "_id", room }, { Members, members } }, new ReplaceOptions { IsUpsert = true }, cancellationToken);

    public async Task RemoveAsync(string room, CancellationToken cancellationToken = default) =>
        await _collection.DeleteOneAsync(Filter.Eq("_id", room), cancellationToken);

    public async Task<IReadOnlyList<RoomDirectoryEntry>> ListAsync(string prefix, string? after, int limit, CancellationToken cancellationToken = default)
    {
        if (limit <= 0)
        {
            return [];
        }

        var documents = await _collection.Find(PageFilter(prefix, after)).Sort(Builders<BsonDocument>.Sort.Ascending("_id")).Limit(limit)
            .ToListAsync(cancellationToken);
        return [.. documents.Select(d => new RoomDirectoryEntry(d["_id"].AsString, d[Members].ToInt32()))];
    }

    public void Dispose() => (_ownedClient as IDisposable)?.Dispose();
}
