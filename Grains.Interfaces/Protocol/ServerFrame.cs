using System.Text.Json.Serialization;
using OrleansChat.Model;

namespace OrleansChat.Protocol;

/// <summary>
/// Every frame the server sends on a socket, as one closed set: replies to a client frame carry <c>re</c>
/// (the client's <c>id</c>); events carry none. The <c>type</c> names here are the wire names of
/// docs/protocol.md. Grains build events and the gateway serialises each one once per fan-out.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type")]
[JsonDerivedType(typeof(AckReply), "ack")]
[JsonDerivedType(typeof(ErrorReply), "error")]
[JsonDerivedType(typeof(PongReply), "pong")]
[JsonDerivedType(typeof(MembersReply), "members")]
[JsonDerivedType(typeof(HistoryReply), "history")]
[JsonDerivedType(typeof(SyncReply), "sync")]
[JsonDerivedType(typeof(WelcomeEvent), "welcome")]
[JsonDerivedType(typeof(RoomMessageEvent), "room.message")]
[JsonDerivedType(typeof(RoomJoinedEvent), "room.joined")]
[JsonDerivedType(typeof(RoomLeftEvent), "room.left")]
[JsonDerivedType(typeof(DmRequestEvent), "dm.request")]
[JsonDerivedType(typeof(DmOpenEvent), "dm.open")]
[JsonDerivedType(typeof(DmDeclinedEvent), "dm.declined")]
[JsonDerivedType(typeof(DmMessageEvent), "dm.message")]
[JsonDerivedType(typeof(DmLeftEvent), "dm.left")]
[JsonDerivedType(typeof(DmPresenceEvent), "dm.presence")]
[GenerateSerializer, Immutable]
public abstract record ServerFrame;

/// <summary>A client frame succeeded. Sends carry the message's <c>conv</c>, <c>seq</c> and <c>ts</c>.</summary>
[GenerateSerializer, Immutable]
public sealed record AckReply(string? Re, string? Conv = null, long? Seq = null, long? Ts = null) : ServerFrame;

/// <summary>A client frame was refused; the connection stays open. <c>rate_limited</c> carries <c>retryAfterMs</c>.</summary>
[GenerateSerializer, Immutable]
public sealed record ErrorReply(string? Re, ChatErrorCode Code, string Message, long? RetryAfterMs = null) : ServerFrame;

[GenerateSerializer, Immutable]
public sealed record PongReply(string? Re, long Ts) : ServerFrame;

[GenerateSerializer, Immutable]
public sealed record RoomMember(UserProfile User, bool Online);

[GenerateSerializer, Immutable]
public sealed record MembersReply(string? Re, string Room, IReadOnlyList<RoomMember> Members) : ServerFrame;

[GenerateSerializer, Immutable]
public sealed record HistoryReply(string? Re, string Conv, IReadOnlyList<ChatMessage> Messages, bool More) : ServerFrame;

/// <summary>One conversation of a sync reply; a conversation the user may not read carries <c>error</c> and no messages.</summary>
[GenerateSerializer, Immutable]
public sealed record SyncedConversation(string Conv, IReadOnlyList<ChatMessage> Messages, bool More, ChatErrorCode? Error = null);

[GenerateSerializer, Immutable]
public sealed record SyncReply(string? Re, IReadOnlyList<SyncedConversation> Conversations) : ServerFrame;

/// <summary>The first frame of every connection: who the server says you are and what you belong to.</summary>
[GenerateSerializer, Immutable]
public sealed record WelcomeEvent(UserProfile User, IReadOnlyList<string> Rooms, IReadOnlyList<string> Dms, long Ts) : ServerFrame;

[GenerateSerializer, Immutable]
public sealed record RoomMessageEvent(
    string Room,
    string Conv,
    long Seq,
    long Ts,
    UserProfile From,
    MessageBody Body,
    string? Id) : ServerFrame
{
    public static RoomMessageEvent Of(string room, ChatMessage m) => new(room, m.Conv, m.Seq, m.Ts, m.From, m.Body, m.ClientId);
}

[GenerateSerializer, Immutable]
public sealed record RoomJoinedEvent(string Room, UserProfile User, long Ts) : ServerFrame;

[GenerateSerializer, Immutable]
public sealed record RoomLeftEvent(string Room, UserProfile User, long Ts) : ServerFrame;

/// <summary>Someone asks to chat privately with you; answer with <c>dm.accept</c> or <c>dm.decline</c>.</summary>
[GenerateSerializer, Immutable]
public sealed record DmRequestEvent(string Conv, UserProfile From) : ServerFrame;

/// <summary>The private conversation with <c>with</c> is open; sent to both users.</summary>
[GenerateSerializer, Immutable]
public sealed record DmOpenEvent(string Conv, UserProfile With) : ServerFrame;

[GenerateSerializer, Immutable]
public sealed record DmDeclinedEvent(string Conv, UserProfile By) : ServerFrame;

[GenerateSerializer, Immutable]
public sealed record DmMessageEvent(
    string Conv,
    long Seq,
    long Ts,
    UserProfile From,
    string To,
    MessageBody Body,
    string? Id) : ServerFrame
{
    public static DmMessageEvent Of(string to, ChatMessage m) => new(m.Conv, m.Seq, m.Ts, m.From, to, m.Body, m.ClientId);
}

/// <summary>The peer left the private conversation; it must be requested and accepted again.</summary>
[GenerateSerializer, Immutable]
public sealed record DmLeftEvent(string Conv, UserProfile By) : ServerFrame;

/// <summary>The peer of an open private conversation came online (a first connection) or went offline (its last one closed).</summary>
[GenerateSerializer, Immutable]
public sealed record DmPresenceEvent(string Conv, string User, bool Online) : ServerFrame;
