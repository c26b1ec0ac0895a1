using MongoDB.Bson;
using MongoDB.Driver;
using MongoDB.Driver.GridFS;
using OrleansChat.Gateway.Media;

namespace OrleansChat.Gateway.Media.Storage;

/// <summary>
/// Media in MongoDB (<c>Media:Mongo</c>): bytes in a GridFS bucket (files named <c>{id}/original</c> and
/// <c>{id}/thumbnail</c>), the description and the sharing conversations in one document per item in the collection
/// <c>{bucket}.items</c>. The bytes are uploaded first and the document inserted last: the document is what makes an item
/// exist, so a failed upload leaves only unreferenced files (removed at once), and a duplicate key on the insert is the
/// dedupe (the loser deletes its files).
/// </summary>
public sealed class MongoMediaStore : IMediaStore
{
    private readonly GridFSBucket _bucket;
    private readonly IMongoCollection<BsonDocument> _items;

    public MongoMediaStore(IMongoClient client, MongoMediaOptions options)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(options);
        var database = client.GetDatabase(options.Database);
        _bucket = new GridFSBucket(database, new GridFSBucketOptions { BucketName = options.BucketName, WriteConcern = WriteConcern.WMajority });
        _items = database.GetCollection<BsonDocument>(options.BucketName + ".items").WithWriteConcern(WriteConcern.WMajority)
            .WithReadPreference(ReadPreference.Primary);
    }

    public async Task<StoredMedia?> FindAsync(string mediaId, CancellationToken cancellationToken = default)
    {
        var document = await _items.Find(ById(mediaId)).FirstOrDefaultAsync(cancellationToken);
        return document is null ? null : MongoMediaDocuments.ToMedia(document);
    }

    public async Task<bool> SaveAsync(StoredMedia media, Stream content, Stream? thumbnail, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(media);
        ArgumentNullException.ThrowIfNull(content);
        if (await FindAsync(media.MediaId, cancellationToken) is not null)
        {
            return false;
        }

        var files = new List<ObjectId>
        {
            await _bucket.UploadFromStreamAsync(MongoMediaDocuments.FileName(media.MediaId, MediaVariant.Original), content, cancellationToken: cancellationToken),
        };
        try
        {
            if (thumbnail is not null)
            {
                files.Add(await _bucket.UploadFromStreamAsync(MongoMediaDocuments.FileName(media.MediaId, MediaVariant.Thumbnail), thumbnail, cancellationToken: cancellationToken));
            }

            await _items.InsertOneAsync(MongoMediaDocuments.ToDocument(media, files), cancellationToken: cancellationToken);
            return true;
        }
        catch (MongoWriteException e) when (e.WriteError.Category == ServerErrorCategory.DuplicateKey)
        {
            await DeleteFilesAsync(files);
            return false;
        }
        catch
        {
            await DeleteFilesAsync(files);
            throw;
        }
    }

    public async Task<Stream?> OpenReadAsync(string mediaId, MediaVariant variant, CancellationToken cancellationToken = default)
    {
        var document = await _items.Find(ById(mediaId)).FirstOrDefaultAsync(cancellationToken);
        if (document is null || MongoMediaDocuments.FileId(document, variant) is not { } fileId)
        {
            return null;
        }

        return await _bucket.OpenDownloadStreamAsync(fileId, new GridFSDownloadOptions { Seekable = true }, cancellationToken);
    }

    public Task RecordShareAsync(string mediaId, string conversation, long seq, CancellationToken cancellationToken = default) =>
        _items.UpdateOneAsync(
            ById(mediaId),
            Builders<BsonDocument>.Update
                .AddToSet(MongoMediaDocuments.Shares, conversation)
                .AddToSet(MongoMediaDocuments.Messages, MongoMediaDocuments.MessageReference(conversation, seq))
                .Unset(MongoMediaDocuments.ReleasedAt),
            cancellationToken: cancellationToken);

    /// <summary>
    /// Three single-document updates, each conditional on the state it changes, so a send recording a reference between
    /// them is never undone: the share goes only while no reference of its conversation is left, the release is set
    /// only while no reference at all is left (and a later send unsets it).
    /// </summary>
    public async Task ReleaseAsync(string mediaId, string conversation, long seq, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        var reference = MongoMediaDocuments.MessageReference(conversation, seq);
        var filter = Builders<BsonDocument>.Filter;
        var pulled = await _items.UpdateOneAsync(
            ById(mediaId) & filter.Eq(MongoMediaDocuments.Messages, reference),
            Builders<BsonDocument>.Update.Pull(MongoMediaDocuments.Messages, reference),
            cancellationToken: cancellationToken);
        if (pulled.ModifiedCount == 0)
        {
            return;
        }

        await _items.UpdateOneAsync(
            ById(mediaId) & MongoMediaDocuments.NoMessageIn(conversation),
            Builders<BsonDocument>.Update.Pull(MongoMediaDocuments.Shares, conversation),
            cancellationToken: cancellationToken);
        await _items.UpdateOneAsync(
            ById(mediaId) & filter.Size(MongoMediaDocuments.Messages, 0),
            Builders<BsonDocument>.Update.Set(MongoMediaDocuments.ReleasedAt, at.UtcDateTime),
            cancellationToken: cancellationToken);
    }

    public async Task<IReadOnlyList<string>> GetSharesAsync(string mediaId, CancellationToken cancellationToken = default)
    {
        var document = await _items.Find(ById(mediaId)).FirstOrDefaultAsync(cancellationToken);
        return document is null ? [] : MongoMediaDocuments.SharesOf(document);
    }

    public Task<IReadOnlyList<string>> FindOrphansAsync(DateTimeOffset createdBefore, int limit, CancellationToken cancellationToken = default) =>
        FindIdsAsync(MongoMediaDocuments.Orphans(createdBefore), limit, cancellationToken);

    public Task<IReadOnlyList<string>> FindReleasedAsync(DateTimeOffset releasedBefore, int limit, CancellationToken cancellationToken = default) =>
        FindIdsAsync(MongoMediaDocuments.Released(releasedBefore), limit, cancellationToken);

    /// <summary>The document first (the item stops existing), then its files.</summary>
    public async Task DeleteAsync(string mediaId, CancellationToken cancellationToken = default)
    {
        var document = await _items.FindOneAndDeleteAsync(ById(mediaId), cancellationToken: cancellationToken);
        if (document is not null)
        {
            await DeleteFilesAsync(new[] { MediaVariant.Original, MediaVariant.Thumbnail }
                .Select(v => MongoMediaDocuments.FileId(document, v)).OfType<ObjectId>());
        }
    }

    private async Task<IReadOnlyList<string>> FindIdsAsync(FilterDefinition<BsonDocument> filter, int limit, CancellationToken cancellationToken)
    {
        var documents = await _items.Find(filter).Limit(limit).Project(Builders<BsonDocument>.Projection.Include("_id")).ToListAsync(cancellationToken);
        return documents.Select(d => d["_id"].AsString).ToList();
    }

    private static FilterDefinition<BsonDocument> ById(string mediaId) => Builders<BsonDocument>.Filter.Eq("_id", mediaId);

    private async Task DeleteFilesAsync(IEnumerable<ObjectId> files)
    {
        foreach (var file in files)
        {
            await _bucket.DeleteAsync(file, CancellationToken.None);
        }
    }
}
