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
[JsonDerivedType(typeof(RoomActivityEvent), "room.activity")]
[JsonDerivedType(typeof(DmRequestEvent), "dm.request")]
[JsonDerivedType(typeof(DmOpenEvent), "dm.open")]
[JsonDerivedType(typeof(DmDeclinedEvent), "dm.declined")]
[JsonDerivedType(typeof(DmMessageEvent), "dm.message")]
[JsonDerivedType(typeof(DmLeftEvent), "dm.left")]
[JsonDerivedType(typeof(DmPresenceEvent), "dm.presence")]
[JsonDerivedType(typeof(RoomInvitedEvent), "room.invited")]
[JsonDerivedType(typeof(RoomKickedEvent), "room.kicked")]
[JsonDerivedType(typeof(RoomBannedEvent), "room.banned")]
[JsonDerivedType(typeof(RoomMutedEvent), "room.muted")]
[JsonDerivedType(typeof(RoomUnmutedEvent), "room.unmuted")]
[JsonDerivedType(typeof(RoomRoleEvent), "room.role")]
[JsonDerivedType(typeof(ConversationsReply), "conversations")]
[JsonDerivedType(typeof(DmRequestsReply), "dm.requests")]
[JsonDerivedType(typeof(ConvReadEvent), "conv.read")]
[JsonDerivedType(typeof(ConvSettingsEvent), "conv.settings")]
[JsonDerivedType(typeof(DmCancelledEvent), "dm.cancelled")]
[JsonDerivedType(typeof(TypingEvent), "typing")]
[JsonDerivedType(typeof(ConvReceiptEvent), "conv.receipt")]
[JsonDerivedType(typeof(MsgDeletedEvent), "msg.deleted")]
[JsonDerivedType(typeof(BlocksReply), "blocks")]
[JsonDerivedType(typeof(NotifyCreditsReply), "notify.credits")]
[JsonDerivedType(typeof(ReadersReply), "readers")]
[JsonDerivedType(typeof(RoomPresenceEvent), "room.presence")]
[JsonDerivedType(typeof(RoomsReply), "rooms")]
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
public sealed record RoomMember(UserProfile User, bool Online, RoomRole? Role = null, long? MutedUntil = null);

/// <summary>A page of a room's members in user id order; <c>next</c> is the cursor of the following page, absent on the last.</summary>
[GenerateSerializer, Immutable]
public sealed record RoomMemberList(IReadOnlyList<RoomMember> Members, string? Next);

[GenerateSerializer, Immutable]
public sealed record MembersReply(string? Re, string Room, IReadOnlyList<RoomMember> Members, string? Next = null) : ServerFrame;

[GenerateSerializer, Immutable]
public sealed record HistoryReply(string? Re, string Conv, IReadOnlyList<ChatMessage> Messages, bool More) : ServerFrame;

/// <summary>One conversation of a sync reply; a conversation the user may not read carries <c>error</c> and no messages.</summary>
[GenerateSerializer, Immutable]
public sealed record SyncedConversation(string Conv, IReadOnlyList<ChatMessage> Messages, bool More, ChatErrorCode? Error = null);

[GenerateSerializer, Immutable]
public sealed record SyncReply(string? Re, IReadOnlyList<SyncedConversation> Conversations) : ServerFrame;

/// <summary>
/// The first frame of every connection: who the server says you are and what you belong to, with the first page of
/// your conversation list (<c>conversations</c>, <c>unread</c>, <c>next</c>, as <c>conv.list</c> answers) and your
/// pending private-chat requests. <c>notify</c> names the WeChat subscribe-message templates to ask the user for
/// (absent when the server sends none).
/// </summary>
[GenerateSerializer, Immutable]
public sealed record WelcomeEvent(
    UserProfile User,
    IReadOnlyList<string> Rooms,
    IReadOnlyList<string> Dms,
    long Ts,
    IReadOnlyList<ConversationEntry>? Conversations = null,
    long? Unread = null,
    string? Next = null,
    IReadOnlyList<PendingDmRequest>? Requests = null,
    WelcomeNotify? Notify = null) : ServerFrame;

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

/// <summary>
/// The joins and leaves of a room above <c>Chat:AnnounceMaxMembers</c> members, coalesced: at most one frame a second
/// per room instead of one per change to every member (which costs O(n²) frames to fill a room of n). <c>joined</c> and
/// <c>left</c> name the first <see cref="MaxNamed"/> in order; <c>joinedCount</c> / <c>leftCount</c> count them all.
/// Someone who joined and left again within the same frame's window is in neither. <c>members</c> is the member count
/// when the frame was sent.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record RoomActivityEvent(
    string Room,
    IReadOnlyList<UserProfile> Joined,
    int JoinedCount,
    IReadOnlyList<UserProfile> Left,
    int LeftCount,
    int Members,
    long Ts) : ServerFrame
{
    /// <summary>The most profiles one frame names per list; a burst of joins costs a frame of bounded size.</summary>
    public const int MaxNamed = 20;
}

/// <summary>Someone asks to chat privately with you; answer with <c>dm.accept</c> or <c>dm.decline</c>.</summary>
[GenerateSerializer, Immutable]
public sealed record DmRequestEvent(string Conv, UserProfile From) : ServerFrame;

/// <summary>The private conversation with <c>with</c> is open; sent to both users. <c>online</c>: whether <c>with</c> has a live connection.</summary>
[GenerateSerializer, Immutable]
public sealed record DmOpenEvent(string Conv, UserProfile With, bool? Online = null) : ServerFrame;

[GenerateSerializer, Immutable]
public sealed record DmDeclinedEvent(string Conv, UserProfile By) : ServerFrame;

/// <summary>The requester withdrew their pending request (<c>dm.cancel</c>); sent to the asked user.</summary>
[GenerateSerializer, Immutable]
public sealed record DmCancelledEvent(string Conv, UserProfile By) : ServerFrame;

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
/// <remarks>
/// Orleans does not order one-way deliveries between hosts, so two quick changes may arrive swapped: <c>version</c>
/// grows with every change of the user's presence, and a client keeps the event with the highest one.
/// </remarks>
public sealed record DmPresenceEvent(string Conv, string User, bool Online, long Version) : ServerFrame;

/// <summary>You were invited to <c>room</c> (sent to the invited user only); join it with <c>room.join</c>.</summary>
[GenerateSerializer, Immutable]
public sealed record RoomInvitedEvent(string Room, RoomVisibility Visibility, UserProfile By, long Ts) : ServerFrame;

/// <summary><c>user</c> was removed from the room; sent to the room, the kicked user's devices included.</summary>
[GenerateSerializer, Immutable]
public sealed record RoomKickedEvent(string Room, UserProfile User, UserProfile By, string? Reason, long Ts) : ServerFrame;

/// <summary><c>user</c> was removed and may not rejoin until unbanned; sent to the room and the banned user.</summary>
[GenerateSerializer, Immutable]
public sealed record RoomBannedEvent(string Room, UserProfile User, UserProfile By, string? Reason, long Ts) : ServerFrame;

/// <summary><c>user</c>'s sends are refused until <c>until</c> (Unix ms, server clock); sent to the room.</summary>
[GenerateSerializer, Immutable]
public sealed record RoomMutedEvent(string Room, UserProfile User, UserProfile By, long Until, long Ts) : ServerFrame;

/// <summary>An explicit <c>room.unmute</c>; a mute that simply expires is not announced.</summary>
[GenerateSerializer, Immutable]
public sealed record RoomUnmutedEvent(string Room, UserProfile User, UserProfile By, long Ts) : ServerFrame;

/// <summary><c>user</c>'s role changed (by the owner, or ownership passed on when the owner left); sent to the room.</summary>
[GenerateSerializer, Immutable]
public sealed record RoomRoleEvent(string Room, UserProfile User, RoomRole Role, UserProfile By, long Ts) : ServerFrame;
