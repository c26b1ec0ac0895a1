using System.Text.Json.Serialization;

namespace OrleansChat.Model;

/// <summary>The content of a chat message: a closed set of kinds, told apart on the wire by <c>kind</c>.</summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "kind")]
[JsonDerivedType(typeof(TextBody), "text")]
[JsonDerivedType(typeof(ImageBody), "image")]
[JsonDerivedType(typeof(AudioBody), "audio")]
[JsonDerivedType(typeof(RecallBody), "recall")]
[JsonDerivedType(typeof(RecalledBody), "recalled")]
[GenerateSerializer, Immutable]
public abstract record MessageBody;

/// <summary>
/// A text message. <see cref="Mentions"/>: user ids the sender @-mentions (room messages only, at most 20); the room
/// keeps only its members and notifies them when they are away (docs/protocol.md, "Mentions"). Used when the message
/// is sent; the log stores the text alone.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record TextBody(string Text, [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<string>? Mentions = null) : MessageBody;

/// <summary>
/// An image: an external https <see cref="Url"/> (behind Protocol:MediaHosts), or, as a client sends it, the
/// <see cref="MediaId"/> of an upload, which the gateway turns into a signed <see cref="Url"/> and <see cref="ThumbUrl"/>
/// with the measured size before the message is stored (docs/protocol.md, "Media").
/// </summary>
[GenerateSerializer, Immutable]
public sealed record ImageBody(string? Url = null, int? Width = null, int? Height = null, string? MediaId = null, string? ThumbUrl = null) : MessageBody
{
    /// <summary>The URL to store: a body reaches a log only once the gateway has resolved its media id to one.</summary>
    [JsonIgnore]
    public string StoredUrl => Url ?? throw new InvalidOperationException("an image body must carry a URL when it is stored");
}

/// <summary>A voice message: like <see cref="ImageBody"/>, an external URL or an upload's media id (the server measures the duration).</summary>
[GenerateSerializer, Immutable]
public sealed record AudioBody(string? Url = null, int DurationMs = 0, string? MediaId = null) : MessageBody
{
    /// <summary>The URL to store: a body reaches a log only once the gateway has resolved its media id to one.</summary>
    [JsonIgnore]
    public string StoredUrl => Url ?? throw new InvalidOperationException("an audio body must carry a URL when it is stored");
}

/// <summary>
/// A log entry of its own (with its own seq, so <c>sync</c> delivers it) saying that the message at <see cref="Seq"/>
/// was recalled, by <c>from</c>. Written by the server only: a client sending this kind is refused.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record RecallBody(long Seq) : MessageBody;

/// <summary>What a recalled message's body becomes in the store: its content is erased, not hidden. Server only.</summary>
[GenerateSerializer, Immutable]
public sealed record RecalledBody : MessageBody;
