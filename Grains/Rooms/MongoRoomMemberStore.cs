using Microsoft.Extensions.Options;
using MongoDB.Bson;
using MongoDB.Driver;
using OrleansChat.Grains.MessageLog.Mongo;
using static OrleansChat.Grains.Rooms.MongoRoomMemberDocuments;

namespace OrleansChat.Grains.Rooms;

/// <summary>
/// Room members in the MongoDB collection <c>room_members</c> of the message log's database, one document per
/// (room, user) (<see cref="MongoRoomMemberDocuments"/>). A write is one upserting replace (or delete) of one document
/// with the log's write concern; reads go to the primary so a grain reactivated elsewhere reads its own writes.
/// </summary>
public sealed class MongoRoomMemberStore : IRoomMemberStore, IDisposable
{
    private readonly IMongoCollection<BsonDocument> _collection;
    private readonly IMongoClient? _ownedClient;
    private readonly MongoIndexSetup _indexes;

    /// <summary>Connects with the message log's settings (members live beside the messages); the client is owned and disposed with the store.</summary>
    public MongoRoomMemberStore(IOptions<MongoMessageLogOptions> options)
        : this(MongoMessageLog.CreateClient(options.Value), options.Value) => _ownedClient = _collection.Database.Client;

    /// <summary>Uses a client the caller owns (and disposes).</summary>
    public MongoRoomMemberStore(IMongoClient client, MongoMessageLogOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _collection = options.CollectionBesideTheLog(client, CollectionName);
        _indexes = new(EnsureIndexesAsync);
    }

    public RoomMemberWrites Writes { get; } = new();

    /// <summary>Creates the indexes of <see cref="MongoRoomMemberDocuments.IndexModels"/> (idempotent); done once before the first operation.</summary>
    public Task EnsureIndexesAsync(CancellationToken cancellationToken = default) =>
        _collection.Indexes.CreateManyAsync(IndexModels(), cancellationToken);

    public async Task<IReadOnlyList<RoomMemberRecord>> LoadStandingsAsync(string room, CancellationToken cancellationToken = default)
    {
        await EnsureIndexesOnceAsync(cancellationToken);
        var documents = await _collection.Find(InRoom(room)).Project(WithoutProfile).ToListAsync(cancellationToken);
        return documents.Select(FromBsonDocument).ToList();
    }

    public async Task<RoomMemberRecord?> FindAsync(string room, string userId, CancellationToken cancellationToken = default)
    {
        await EnsureIndexesOnceAsync(cancellationToken);
        var document = await _collection.Find(Key(room, userId)).Limit(1).FirstOrDefaultAsync(cancellationToken);
        return document is null ? null : FromBsonDocument(document);
    }

    public async Task SaveAsync(RoomMemberRecord record, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        await EnsureIndexesOnceAsync(cancellationToken);
        await _collection.ReplaceOneAsync(Key(record.Room, record.UserId), ToBsonDocument(record), Upsert, cancellationToken);
        Writes.Add(1, record.PayloadBytes);
    }

    public async Task SaveManyAsync(IReadOnlyCollection<RoomMemberRecord> records, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(records);
        if (records.Count == 0)
        {
            return;
        }

        await EnsureIndexesOnceAsync(cancellationToken);
        var writes = records.Select(r => new ReplaceOneModel<BsonDocument>(Key(r.Room, r.UserId), ToBsonDocument(r)) { IsUpsert = true });
        await _collection.BulkWriteAsync(writes, new BulkWriteOptions { IsOrdered = true }, cancellationToken);
        Writes.Add(records.Count, records.Sum(r => (long)r.PayloadBytes));
    }

    public async Task DeleteAsync(string room, string userId, CancellationToken cancellationToken = default)
    {
        await EnsureIndexesOnceAsync(cancellationToken);
        var deleted = await _collection.DeleteOneAsync(Key(room, userId), cancellationToken);
        Writes.Add(deleted.DeletedCount, deleted.DeletedCount * RoomMemberRecord.KeyBytes(room, userId));
    }

    public async Task<RoomMemberPage> ListMembersAsync(string room, string? afterUserId, int limit, CancellationToken cancellationToken = default)
    {
        if (limit <= 0)
        {
            return new RoomMemberPage([], Next: null);
        }

        await EnsureIndexesOnceAsync(cancellationToken);
        var documents = await _collection.Find(MembersAfter(room, afterUserId)).Sort(ByUserId).Limit(limit + 1).ToListAsync(cancellationToken);
        return RoomMemberPages.Of(documents.Select(FromBsonDocument).ToList(), limit);
    }

    public async Task<string?> FindHeirAsync(string room, CancellationToken cancellationToken = default)
    {
        await EnsureIndexesOnceAsync(cancellationToken);
        var heir = await _collection.Find(AdminMembers(room)).Sort(ByUserId).Limit(1).FirstOrDefaultAsync(cancellationToken)
            ?? await _collection.Find(MembersAfter(room, null)).Sort(ByUserId).Limit(1).FirstOrDefaultAsync(cancellationToken);
        return heir?[UserId].AsString;
    }

    public void Dispose() => (_ownedClient as IDisposable)?.Dispose();

    private static ReplaceOptions Upsert { get; } = new() { IsUpsert = true };

    private Task EnsureIndexesOnceAsync(CancellationToken cancellationToken) => _indexes.EnsureAsync(cancellationToken);
}
