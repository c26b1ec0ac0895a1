using Orleans.Concurrency;
using OrleansChat.Model;
using OrleansChat.Protocol;

namespace OrleansChat.Grains;

/// <summary>
/// A group room (key: room name): its members, which gateways host its online members, and its message
/// sequence. Join/leave are announced to the room; every message gets the next seq, is logged, then fanned out.
/// </summary>
public interface IGroupRoomGrain : IConversationGrain
{
    /// <summary>
    /// Makes <paramref name="user"/> a member, online through <paramref name="gateway"/>. Joining twice is a no-op.
    /// The first joiner of an empty room becomes its owner (a room that never existed is created public).
    /// Refused with <see cref="ChatErrorCode.Forbidden"/> for banned users, and for uninvited users of a private room.
    /// Returns the room's last seq as of the join: every later message reaches the joiner live, earlier ones are history.
    /// </summary>
    Task<long> Join(UserProfile user, GatewayRef gateway);

    /// <summary>
    /// Creates the room with <paramref name="owner"/> as owner and first member; <see cref="ChatErrorCode.Conflict"/> if it
    /// exists. Returns the room's last seq, like <see cref="Join"/>.
    /// </summary>
    Task<long> Create(UserProfile owner, RoomVisibility visibility, GatewayRef gateway);

    /// <summary>Owner or admin: lets <paramref name="userId"/> join (a private room) and tells them.</summary>
    Task Invite(UserProfile by, string userId);

    /// <summary>Owner or admin: removes a member of lower rank; they may rejoin (a private room needs a new invite).</summary>
    Task Kick(UserProfile by, string userId, string? reason);

    /// <summary>Owner or admin: refuses a lower-ranked member's sends for <paramref name="duration"/>; returns the end (Unix ms).</summary>
    Task<long> Mute(UserProfile by, string userId, TimeSpan duration);

    Task Unmute(UserProfile by, string userId);

    /// <summary>Owner or admin: removes <paramref name="userId"/> (member or not, of lower rank) and refuses their joins.</summary>
    Task Ban(UserProfile by, string userId, string? reason);

    Task Unban(UserProfile by, string userId);

    /// <summary>Owner only: makes a member an admin or an admin a member.</summary>
    Task SetRole(UserProfile by, string userId, RoomRole role);

    /// <summary>
    /// A member asks (<paramref name="on"/>) to be notified of every message while away, or stops; persisted with the
    /// room, dropped when they leave. <c>forbidden</c> beyond <c>GroupRoomGrain.MaxNotifyMembers</c> such members.
    /// </summary>
    Task SetNotify(string userId, bool on);

    /// <summary>Owner or admin: whether joins and leaves are announced (<see cref="RoomNotices"/>); persisted with the room.</summary>
    Task SetNotices(UserProfile by, RoomNotices notices);

    /// <summary>Leaving a room one is not in is refused with <see cref="ChatErrorCode.NotFound"/>.</summary>
    Task Leave(string userId);

    /// <summary>
    /// Appends a message with the next seq and fans it out once durable. Interleaves, so the room takes the next send
    /// while earlier ones commit (seqs are taken in arrival order, acks and fan-out follow in seq order).
    /// </summary>
    [AlwaysInterleave]
    Task<SendReceipt> Send(UserProfile from, string? clientId, MessageBody body);

    /// <summary>
    /// Members with user ids above <paramref name="after"/> (from the first when null), in ordinal user id order, at most
    /// <paramref name="limit"/> (capped at Chat:MaxMemberPageSize, which is also the default); profiles are read page by
    /// page, never all at once. <see cref="ChatErrorCode.Forbidden"/> unless <paramref name="askingUserId"/> is a member.
    /// </summary>
    Task<RoomMemberList> GetMemberPage(string askingUserId, string? after, int? limit);

    /// <summary>A gateway now holds a live socket of member <paramref name="userId"/>.</summary>
    Task Attach(GatewayRef gateway, string userId);

    /// <summary>The gateway holds no live socket of <paramref name="userId"/> any more.</summary>
    Task Detach(string gatewayId, string userId);

    /// <summary>Periodic renewal: the gateway's full list of online members of this room.</summary>
    Task Renew(GatewayRef gateway, IReadOnlyCollection<string> onlineUserIds);

    /// <summary>
    /// <paramref name="userId"/>'s read seq moved to <paramref name="seq"/> (told by their user grain, not for private
    /// reads): in rooms of up to Chat:ReceiptMaxMembers the member's read cursor moves forward and the room gets an
    /// aggregated <c>conv.receipt</c>, at most once a second. Bigger rooms ignore it.
    /// </summary>
    Task ReadUpTo(string userId, long seq);

    /// <summary>
    /// The members (profiles, in user id order) whose read seq is at least <paramref name="seq"/>, the message's sender
    /// left out. <see cref="ChatErrorCode.Forbidden"/> unless a member, or when the room is above Chat:ReceiptMaxMembers;
    /// <see cref="ChatErrorCode.NotFound"/> when there is no message <paramref name="seq"/>.
    /// </summary>
    Task<IReadOnlyList<UserProfile>> GetReaders(string askingUserId, long seq);
}
