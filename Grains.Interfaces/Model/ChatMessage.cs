using System.Text.Json.Serialization;

namespace OrleansChat.Model;

/// <summary>
/// One message as the log stores it and as history and sync return it. <see cref="Seq"/> is gap-free per
/// conversation; <see cref="Ts"/> is the server's clock in Unix milliseconds; <see cref="ClientId"/> is the
/// sender's own id for the send (the frame's <c>id</c>), which makes resends idempotent.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record ChatMessage(
    string Conv,
    long Seq,
    long Ts,
    UserProfile From,
    MessageBody Body,
    [property: JsonPropertyName("id")] string? ClientId);

/// <summary>A page of one conversation's messages in ascending seq order; <see cref="More"/> says the page was cut.</summary>
[GenerateSerializer, Immutable]
public sealed record MessagePage(IReadOnlyList<ChatMessage> Messages, bool More);

/// <summary>What a sender is acknowledged with. <see cref="Duplicate"/>: the send was a resend of an earlier one.</summary>
[GenerateSerializer, Immutable]
public sealed record SendReceipt(string Conv, long Seq, long Ts, bool Duplicate);
