using MongoDB.Bson;
using OrleansChat.Grains.MessageLog.Encryption;
using OrleansChat.Model;

namespace OrleansChat.Grains.MessageLog.Mongo;

/// <summary>
/// The stored shape of one message, written and read by hand so it depends on no class map or convention
/// registered anywhere in the process (nothing is registered, so there is nothing to register twice):
/// <code>
/// { _id: ObjectId, conv: "room:x", seq: NumberLong, ts: ISODate,
///   from: { id, name, avatarUrl? }, clientId?: "c-1",
///   body: { kind: "text", text } | { kind: "image", url, width?, height? } | { kind: "audio", url, durationMs }
///       | { kind: "enc", keyId, data } (written by EncryptingMessageLog) }
/// </code>
/// <para>
/// <c>ts</c> is a BSON date: it is exactly an int64 of Unix milliseconds, so <see cref="ChatMessage.Ts"/> survives
/// unchanged, while shells, Compass, aggregation date operators and TTL indexes all understand it as time.
/// <c>seq</c> is always int64. Optional fields (<c>avatarUrl</c>, <c>clientId</c>, image sizes) are absent when
/// null; <c>clientId</c> must be absent (not null) for the partial idempotency index to leave the document out.
/// </para>
/// </summary>
public static class MongoMessageDocument
{
    public const string Id = "_id";
    public const string Conv = "conv";
    public const string Seq = "seq";
    public const string Ts = "ts";
    public const string From = "from";
    public const string FromId = "id";
    public const string FromName = "name";
    public const string FromAvatarUrl = "avatarUrl";
    public const string ClientId = "clientId";
    public const string Body = "body";
    public const string Kind = "kind";
    public const string Text = "text";
    public const string Url = "url";
    public const string Width = "width";
    public const string Height = "height";
    public const string DurationMs = "durationMs";

    public const string KindText = "text";
    public const string KindImage = "image";
    public const string KindAudio = "audio";
    public const string KindEncrypted = "enc";
    public const string KindRecall = "recall";
    public const string KindRecalled = "recalled";
    public const string KeyId = "keyId";
    public const string Data = "data";

    /// <summary>The dotted path of the sender id, as filters and indexes name it.</summary>
    public const string FromIdPath = From + "." + FromId;

    public static BsonDocument ToBsonDocument(ChatMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var from = new BsonDocument
        {
            { FromId, message.From.Id },
            { FromName, message.From.Name },
            { FromAvatarUrl, message.From.AvatarUrl, message.From.AvatarUrl is not null },
        };

        return new BsonDocument
        {
            { Conv, message.Conv },
            { Seq, new BsonInt64(message.Seq) },
            { Ts, new BsonDateTime(message.Ts) },
            { From, from },
            { ClientId, message.ClientId, message.ClientId is not null },
            { Body, BodyToBson(message.Body) },
        };
    }

    /// <summary>Reads a stored message back; throws <see cref="FormatException"/> when the document is not one.</summary>
    public static ChatMessage FromBsonDocument(BsonDocument document)
    {
        ArgumentNullException.ThrowIfNull(document);
        var from = Required(document, From).AsBsonDocument;
        return new ChatMessage(
            Conv: Required(document, Conv).AsString,
            Seq: Required(document, Seq).ToInt64(),
            Ts: ReadTs(Required(document, Ts)),
            From: new UserProfile(
                Required(from, FromId).AsString,
                Required(from, FromName).AsString,
                OptionalString(from, FromAvatarUrl)),
            Body: BodyFromBson(Required(document, Body).AsBsonDocument),
            ClientId: OptionalString(document, ClientId));
    }

    public static BsonDocument BodyToBson(MessageBody body) => body switch
    {
        TextBody text => new BsonDocument
        {
            { Kind, KindText },
            { Text, text.Text },
        },
        ImageBody image => new BsonDocument
        {
            { Kind, KindImage },
            { Url, image.StoredUrl },
            { Width, () => new BsonInt32(image.Width!.Value), image.Width is not null },
            { Height, () => new BsonInt32(image.Height!.Value), image.Height is not null },
        },
        AudioBody audio => new BsonDocument
        {
            { Kind, KindAudio },
            { Url, audio.StoredUrl },
            { DurationMs, new BsonInt32(audio.DurationMs) },
        },
        EncryptedBody encrypted => new BsonDocument
        {
            { Kind, KindEncrypted },
            { KeyId, encrypted.KeyId },
            { Data, encrypted.Data },
        },
        RecallBody recall => new BsonDocument
        {
            { Kind, KindRecall },
            { Seq, new BsonInt64(recall.Seq) },
        },
        RecalledBody => new BsonDocument { { Kind, KindRecalled } },
        null => throw new ArgumentNullException(nameof(body)),
        _ => throw new ArgumentException($"Unknown message body type {body.GetType().Name}.", nameof(body)),
    };

    public static MessageBody BodyFromBson(BsonDocument body)
    {
        ArgumentNullException.ThrowIfNull(body);
        var kind = Required(body, Kind).AsString;
        return kind switch
        {
            KindText => new TextBody(Required(body, Text).AsString),
            KindImage => new ImageBody(Required(body, Url).AsString, OptionalInt32(body, Width), OptionalInt32(body, Height)),
            KindAudio => new AudioBody(Required(body, Url).AsString, Required(body, DurationMs).ToInt32()),
            KindEncrypted => new EncryptedBody(Required(body, KeyId).AsString, Required(body, Data).AsString),
            KindRecall => new RecallBody(Required(body, Seq).ToInt64()),
            KindRecalled => new RecalledBody(),
            _ => throw new FormatException($"Stored message body has unknown kind '{kind}'."),
        };
    }

    private static long ReadTs(BsonValue value) => value.BsonType switch
    {
        BsonType.DateTime => value.AsBsonDateTime.MillisecondsSinceEpoch,
        BsonType.Int64 or BsonType.Int32 => value.ToInt64(),
        _ => throw new FormatException($"Stored message field '{Ts}' is a {value.BsonType}, not a date."),
    };

    private static BsonValue Required(BsonDocument document, string name) =>
        document.TryGetValue(name, out var value) && !value.IsBsonNull
            ? value
            : throw new FormatException($"Stored message lacks the field '{name}'.");

    private static string? OptionalString(BsonDocument document, string name) =>
        document.TryGetValue(name, out var value) && !value.IsBsonNull ? value.AsString : null;

    private static int? OptionalInt32(BsonDocument document, string name) =>
        document.TryGetValue(name, out var value) && !value.IsBsonNull ? value.ToInt32() : null;
}
