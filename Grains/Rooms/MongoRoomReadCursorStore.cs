using Microsoft.Extensions.Options;
using MongoDB.Bson;
using MongoDB.Driver;
using OrleansChat.Grains.MessageLog.Mongo;

namespace OrleansChat.Grains.Rooms;

/// <summary>
/// Read cursors in the MongoDB collection <c>room_read_cursors</c> of the message log's database, one document
/// <c>{ room, userId, readSeq }</c> per (room, user) under a unique <c>{ room, userId }</c> index. A batch of reads is one
/// unordered bulk write of upserts with <c>$max</c>, so a cursor never moves back.
/// </summary>
public sealed class MongoRoomReadCursorStore : IRoomReadCursorStore, IDisposable
{
    public const string CollectionName = "room_read_cursors";
    public const string KeyIndexName = "room_1_userId_1";
    public const string Room = "room";
    public const string UserId = "userId";
    public const string ReadSeq = "readSeq";

    private readonly IMongoCollection<BsonDocument> _collection;
    private readonly IMongoClient? _ownedClient;
    private readonly MongoIndexSetup _indexes;

    /// <summary>Connects with the message log's settings; the client is owned and disposed with the store.</summary>
    public MongoRoomReadCursorStore(IOptions<MongoMessageLogOptions> options)
        : this(MongoMessageLog.CreateClient(options.Value), options.Value) => _ownedClient = _collection.Database.Client;

    /// <summary>Uses a client the caller owns (and disposes).</summary>
    public MongoRoomReadCursorStore(IMongoClient client, MongoMessageLogOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _collection = options.CollectionBesideTheLog(client, CollectionName);
        _indexes = new(ct => _collection.Indexes.CreateManyAsync(IndexModels(), ct));
    }

    private static FilterDefinitionBuilder<BsonDocument> Filter => Builders<BsonDocument>.Filter;

    /// <summary>The one document of (room, user), served by the unique key index.</summary>
    public static FilterDefinition<BsonDocument> Key(string room, string userId) => Filter.Eq(Room, room) & Filter.Eq(UserId, userId);

    /// <summary>Moves the cursor forward only: <c>$max</c> keeps the stored seq when it is higher.</summary>
    public static UpdateDefinition<BsonDocument> Advance(long seq) => Builders<BsonDocument>.Update.Max(ReadSeq, new BsonInt64(seq));

    public static IReadOnlyList<CreateIndexModel<BsonDocument>> IndexModels() =>
    [
        new(Builders<BsonDocument>.IndexKeys.Ascending(Room).Ascending(UserId), new CreateIndexOptions { Name = KeyIndexName, Unique = true }),
    ];

    public async Task<IReadOnlyDictionary<string, long>> LoadAsync(string room, CancellationToken cancellationToken = default)
    {
        await _indexes.EnsureAsync(cancellationToken);
        var documents = await _collection.Find(Filter.Eq(Room, room)).ToListAsync(cancellationToken);
        return documents.ToDictionary(d => d[UserId].AsString, d => d[ReadSeq].ToInt64(), StringComparer.Ordinal);
    }

    public async Task AdvanceAsync(string room, IReadOnlyCollection<KeyValuePair<string, long>> cursors, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(cursors);
        if (cursors.Count == 0)
        {
            return;
        }

        await _indexes.EnsureAsync(cancellationToken);
        var writes = cursors.Select(c => new UpdateOneModel<BsonDocument>(Key(room, c.Key), Advance(c.Value)) { IsUpsert = true });
        await _collection.BulkWriteAsync(writes, new BulkWriteOptions { IsOrdered = false }, cancellationToken);
    }

    public async Task DeleteAsync(string room, string userId, CancellationToken cancellationToken = default)
    {
        await _indexes.EnsureAsync(cancellationToken);
        await _collection.DeleteOneAsync(Key(room, userId), cancellationToken);
    }

    public void Dispose() => (_ownedClient as IDisposable)?.Dispose();
}
