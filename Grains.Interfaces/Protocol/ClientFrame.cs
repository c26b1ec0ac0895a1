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
public abstract record ClientFrame
{
    public string? Id { get; init; }
}

public sealed record PingCommand : ClientFrame;

public sealed record RoomJoinCommand(string Room) : ClientFrame;

public sealed record RoomLeaveCommand(string Room) : ClientFrame;

public sealed record RoomSendCommand(string Room, MessageBody Body) : ClientFrame;

public sealed record RoomMembersCommand(string Room) : ClientFrame;

public sealed record DmRequestCommand(string To) : ClientFrame;

public sealed record DmAcceptCommand(string From) : ClientFrame;

public sealed record DmDeclineCommand(string From) : ClientFrame;

public sealed record DmSendCommand(string To, MessageBody Body) : ClientFrame;

public sealed record DmLeaveCommand(string With) : ClientFrame;

/// <summary>The page of <c>conv</c> just before <c>before</c> (the newest page when absent), at most <c>limit</c> messages.</summary>
public sealed record HistoryCommand(string Conv, long? Before = null, int? Limit = null) : ClientFrame;

/// <summary>Every message after each cursor (conversation id to the last seq the client has seen).</summary>
public sealed record SyncCommand(IReadOnlyDictionary<string, long> Cursors) : ClientFrame;
