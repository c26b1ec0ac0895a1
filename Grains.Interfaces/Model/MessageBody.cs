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

[GenerateSerializer, Immutable]
public sealed record TextBody(string Text) : MessageBody;

[GenerateSerializer, Immutable]
public sealed record ImageBody(string Url, int? Width = null, int? Height = null) : MessageBody;

[GenerateSerializer, Immutable]
public sealed record AudioBody(string Url, int DurationMs) : MessageBody;

/// <summary>
/// A log entry of its own (with its own seq, so <c>sync</c> delivers it) saying that the message at <see cref="Seq"/>
/// was recalled, by <c>from</c>. Written by the server only: a client sending this kind is refused.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record RecallBody(long Seq) : MessageBody;

/// <summary>What a recalled message's body becomes in the store: its content is erased, not hidden. Server only.</summary>
[GenerateSerializer, Immutable]
public sealed record RecalledBody : MessageBody;
