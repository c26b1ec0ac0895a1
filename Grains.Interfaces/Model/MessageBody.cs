using System.Text.Json.Serialization;

namespace OrleansChat.Model;

/// <summary>The content of a chat message: a closed set of kinds, told apart on the wire by <c>kind</c>.</summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "kind")]
[JsonDerivedType(typeof(TextBody), "text")]
[JsonDerivedType(typeof(ImageBody), "image")]
[JsonDerivedType(typeof(AudioBody), "audio")]
[GenerateSerializer, Immutable]
public abstract record MessageBody;

[GenerateSerializer, Immutable]
public sealed record TextBody(string Text) : MessageBody;

[GenerateSerializer, Immutable]
public sealed record ImageBody(string Url, int? Width = null, int? Height = null) : MessageBody;

[GenerateSerializer, Immutable]
public sealed record AudioBody(string Url, int DurationMs) : MessageBody;
