using System.Text.RegularExpressions;
using MongoDB.Bson;
using MongoDB.Driver;

namespace OrleansChat.Gateway.Media.Storage;

/// <summary>The mapping between <see cref="StoredMedia"/> and its MongoDB item document (testable without a server).</summary>
public static class MongoMediaDocuments
{
    public const string Shares = "shares";
    public const string Messages = "messages";
    public const string ReleasedAt = "releasedAt";
    public const string CreatedAt = "createdAt";
    private const string OriginalFile = "originalFile";
    private const string ThumbnailFile = "thumbnailFile";

    public static string FileName(string mediaId, MediaVariant variant) =>
        $"{mediaId}/{(variant == MediaVariant.Original ? "original" : "thumbnail")}";

    public static BsonDocument ToDocument(StoredMedia media, IReadOnlyList<ObjectId> files)
    {
        ArgumentNullException.ThrowIfNull(media);
        ArgumentNullException.ThrowIfNull(files);
        var document = new BsonDocument
        {
            { "_id", media.MediaId },
            { "owner", media.OwnerId },
            { "kind", media.Kind == MediaKind.Image ? "image" : "audio" },
            { "mime", media.Mime },
            { "bytes", media.Bytes },
            { "hash", media.ContentHash },
            { CreatedAt, media.CreatedAt.UtcDateTime },
            { "width", ToBson(media.Width) },
            { "height", ToBson(media.Height) },
            { "durationMs", ToBson(media.DurationMs) },
            { "thumbMime", media.ThumbnailMime is null ? BsonNull.Value : new BsonString(media.ThumbnailMime) },
            { "thumbBytes", media.ThumbnailBytes is { } t ? new BsonInt64(t) : BsonNull.Value },
            { OriginalFile, files[0] },
            { Shares, new BsonArray() },
            { Messages, new BsonArray() },
            { "keyId", media.KeyId is null ? BsonNull.Value : new BsonString(media.KeyId) },
        };
        if (files.Count > 1)
        {
            document[ThumbnailFile] = files[1];
        }

        return document;
    }

    public static StoredMedia ToMedia(BsonDocument document)
    {
        ArgumentNullException.ThrowIfNull(document);
        return new StoredMedia(
            MediaId: document["_id"].AsString,
            OwnerId: document["owner"].AsString,
            Kind: document["kind"].AsString == "image" ? MediaKind.Image : MediaKind.Audio,
            Mime: document["mime"].AsString,
            Bytes: document["bytes"].ToInt64(),
            ContentHash: document["hash"].AsString,
            CreatedAt: new DateTimeOffset(document[CreatedAt].ToUniversalTime(), TimeSpan.Zero),
            Width: OptionalInt(document, "width"),
            Height: OptionalInt(document, "height"),
            DurationMs: OptionalInt(document, "durationMs"),
            ThumbnailMime: document.GetValue("thumbMime", BsonNull.Value) is BsonString s ? s.AsString : null,
            ThumbnailBytes: document.GetValue("thumbBytes", BsonNull.Value).IsBsonNull ? null : document["thumbBytes"].ToInt64(),
            KeyId: document.GetValue("keyId", BsonNull.Value) is BsonString key ? key.AsString : null);
    }

    public static ObjectId? FileId(BsonDocument document, MediaVariant variant) =>
        document.GetValue(variant == MediaVariant.Original ? OriginalFile : ThumbnailFile, BsonNull.Value) is BsonObjectId id ? id.Value : null;

    public static IReadOnlyList<string> SharesOf(BsonDocument document) =>
        document.GetValue(Shares, new BsonArray()).AsBsonArray.Select(v => v.AsString).ToList();

    /// <summary>A message reference as kept in the item's <c>messages</c> array: conversation and seq, one string.</summary>
    public static string MessageReference(string conversation, long seq) => $"{conversation}\n{seq}";

    /// <summary>Items with no element of <c>messages</c> in <paramref name="conversation"/> (an anchored regex never matches across a conversation id that merely starts the same).</summary>
    public static FilterDefinition<BsonDocument> NoMessageIn(string conversation) =>
        Builders<BsonDocument>.Filter.Not(Builders<BsonDocument>.Filter.Regex(Messages, new BsonRegularExpression("^" + Regex.Escape(conversation + "\n"))));

    /// <summary>Abandoned uploads: older than the cutoff, never shared, never released.</summary>
    public static FilterDefinition<BsonDocument> Orphans(DateTimeOffset createdBefore) =>
        Builders<BsonDocument>.Filter.Lt(CreatedAt, createdBefore.UtcDateTime)
        & Builders<BsonDocument>.Filter.Size(Shares, 0)
        & Builders<BsonDocument>.Filter.Not(Builders<BsonDocument>.Filter.Type(ReleasedAt, BsonType.DateTime));

    /// <summary>The purge: released before the cutoff and shared by no conversation.</summary>
    public static FilterDefinition<BsonDocument> Released(DateTimeOffset releasedBefore) =>
        Builders<BsonDocument>.Filter.Lt(ReleasedAt, releasedBefore.UtcDateTime) & Builders<BsonDocument>.Filter.Size(Shares, 0);

    private static BsonValue ToBson(int? value) => value is { } v ? new BsonInt32(v) : BsonNull.Value;

    private static int? OptionalInt(BsonDocument document, string name) =>
        document.GetValue(name, BsonNull.Value).IsBsonNull ? null : document[name].ToInt32();
}
