using System.Text.Json.Serialization;
using OrleansChat.Model;

namespace OrleansChat.Protocol;

/// <summary>
/// Every frame a client may send, as one closed set told apart by <c>type</c>. <see cref="Id"/> is the
/// client's own id for the frame: replies echo it as <c>re</c>, and for sends it is the idempotency key.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type")]
[JsonDerivedType(typeof(PingCommand), "ping")]
[JsonDerivedType(typeof(RoomJoinCommand), "room.join")]
[JsonDerivedType(typeof(RoomLeaveCommand), "room.leave")]
[JsonDerivedType(typeof(RoomSendCommand), "room.send")]
[JsonDerivedType(typeof(RoomMembersCommand), "room.members")]
[JsonDerivedType(typeof(DmRequestCommand), "dm.request")]
[JsonDerivedType(typeof(DmAcceptCommand), "dm.accept")]
[JsonDerivedType(typeof(DmDeclineCommand), "dm.decline")]
[JsonDerivedType(typeof(DmSendCommand), "dm.send")]
[JsonDerivedType(typeof(DmLeaveCommand), "dm.leave")]
[JsonDerivedType(typeof(HistoryCommand), "history")]
[JsonDerivedType(typeof(SyncCommand), "sync")]
[JsonDerivedType(typeof(RoomCreateCommand), "room.create")]
[JsonDerivedType(typeof(RoomInviteCommand), "room.invite")]
[JsonDerivedType(typeof(RoomKickCommand), "room.kick")]
[JsonDerivedType(typeof(RoomMuteCommand), "room.mute")]
[JsonDerivedType(typeof(RoomUnmuteCommand), "room.unmute")]
[JsonDerivedType(typeof(RoomBanCommand), "room.ban")]
[JsonDerivedType(typeof(RoomUnbanCommand), "room.unban")]
[JsonDerivedType(typeof(RoomRoleCommand), "room.role")]
[JsonDerivedType(typeof(RoomNoticesCommand), "room.notices")]
[JsonDerivedType(typeof(ConvListCommand), "conv.list")]
[JsonDerivedType(typeof(ConvReadCommand), "conv.read")]
[JsonDerivedType(typeof(ConvPinCommand), "conv.pin")]
[JsonDerivedType(typeof(ConvMuteCommand), "conv.mute")]
[JsonDerivedType(typeof(ConvNotifyCommand), "conv.notify")]
[JsonDerivedType(typeof(DmRequestsCommand), "dm.requests")]
[JsonDerivedType(typeof(DmCancelCommand), "dm.cancel")]
[JsonDerivedType(typeof(MsgRecallCommand), "msg.recall")]
[JsonDerivedType(typeof(MsgDeleteCommand), "msg.delete")]
[JsonDerivedType(typeof(TypingCommand), "typing")]
[JsonDerivedType(typeof(UserBlockCommand), "user.block")]
[JsonDerivedType(typeof(UserUnblockCommand), "user.unblock")]
[JsonDerivedType(typeof(UserBlocksCommand), "user.blocks")]
[JsonDerivedType(typeof(NotifyCreditsCommand), "notify.credits")]
[JsonDerivedType(typeof(ConvReadersCommand), "conv.readers")]
[JsonDerivedType(typeof(RoomListCommand), "room.list")]
public abstract record ClientFrame
{
    public string? Id { get; init; }
}

public sealed record PingCommand : ClientFrame;

public sealed record RoomJoinCommand(string Room) : ClientFrame;

public sealed record RoomLeaveCommand(string Room) : ClientFrame;

public sealed record RoomSendCommand(string Room, MessageBody Body) : ClientFrame;

/// <summary>
/// A page of the room's members in user id order: after <c>cursor</c> (the <c>next</c> of the previous page; the first
/// page when absent), at most <c>limit</c> (the server's page size when absent).
/// </summary>
public sealed record RoomMembersCommand(string Room, string? Cursor = null, int? Limit = null) : ClientFrame;

public sealed record DmRequestCommand(string To) : ClientFrame;

public sealed record DmAcceptCommand(string From) : ClientFrame;

public sealed record DmDeclineCommand(string From) : ClientFrame;

public sealed record DmSendCommand(string To, MessageBody Body) : ClientFrame;

public sealed record DmLeaveCommand(string With) : ClientFrame;

/// <summary>The page of <c>conv</c> just before <c>before</c> (the newest page when absent), at most <c>limit</c> messages.</summary>
public sealed record HistoryCommand(string Conv, long? Before = null, int? Limit = null) : ClientFrame;

/// <summary>Every message after each cursor (conversation id to the last seq the client has seen).</summary>
public sealed record SyncCommand(IReadOnlyDictionary<string, long> Cursors) : ClientFrame;

/// <summary>Creates a room explicitly, with the sender as its owner (joining a room that does not exist creates a public one).</summary>
public sealed record RoomCreateCommand(string Room, RoomVisibility Visibility = RoomVisibility.Public) : ClientFrame;

/// <summary>Lets <c>user</c> join (needed for a private room); the user is told with <c>room.invited</c>.</summary>
public sealed record RoomInviteCommand(string Room, string User) : ClientFrame;

public sealed record RoomKickCommand(string Room, string User, string? Reason = null) : ClientFrame;

/// <summary>Refuses <c>user</c>'s sends for <c>durationMs</c> (server clock); it expires by itself.</summary>
public sealed record RoomMuteCommand(string Room, string User, long DurationMs) : ClientFrame;

public sealed record RoomUnmuteCommand(string Room, string User) : ClientFrame;

/// <summary>Removes <c>user</c> (member or not) and refuses their joins until <c>room.unban</c>.</summary>
public sealed record RoomBanCommand(string Room, string User, string? Reason = null) : ClientFrame;

public sealed record RoomUnbanCommand(string Room, string User) : ClientFrame;

/// <summary>The owner makes a member an admin or an admin a member.</summary>
public sealed record RoomRoleCommand(string Room, string User, RoomRole Role) : ClientFrame;

/// <summary>Owner or admin: <c>off</c> silences the room's join and leave notices, <c>auto</c> brings them back.</summary>
public sealed record RoomNoticesCommand(string Room, RoomNotices Notices) : ClientFrame;
