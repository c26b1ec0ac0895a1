using Orleans.Concurrency;
using OrleansChat.Model;
using OrleansChat.Protocol;

namespace OrleansChat.Grains;

/// <summary>
/// What a connecting socket learns about its user: rooms and private-chat peers (to index the socket), the first page
/// of the conversation list and the pending private-chat requests (for the <c>welcome</c> frame).
/// </summary>
[GenerateSerializer, Immutable]
public sealed record UserSession(
    UserProfile Profile,
    IReadOnlyList<string> Rooms,
    IReadOnlyList<string> DmPeers,
    ConversationPage? Conversations = null,
    IReadOnlyList<PendingDmRequest>? Requests = null);

/// <summary>
/// Where a user is connected: the gateways holding their live connections (none: offline). The version grows with
/// every change, so a receiver keeps the newest of announcements that arrive swapped.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record UserGateways(string UserId, IReadOnlyList<GatewayRef> Gateways, long Version)
{
    public bool Online => Gateways.Count > 0;
}

/// <summary>
/// A user (key: user id): profile, rooms joined, private conversations, and live connections by gateway.
/// Presence is having at least one live connection.
/// </summary>
public interface IUserGrain : IGrainWithStringKey
{
    /// <summary>Registers a live connection and returns what the socket needs to index itself.</summary>
    Task<UserSession> Connect(UserProfile profile, GatewayRef gateway, string connectionId);

    Task Disconnect(string gatewayId, string connectionId);

    /// <summary>
    /// The gateway still holds these connections; without renewal they expire (a dead gateway). One way: a gateway
    /// with 10,000 users sends 333 of these a second and has nothing to do with an answer (a lost renewal is made up
    /// by the next two before the expiry), so neither side builds a response and a callback for each.
    /// </summary>
    [OneWay]
    Task RenewConnections(GatewayRef gateway, IReadOnlyCollection<string> connectionIds);

    Task<UserProfile?> GetProfile();

    /// <summary>Whether the user has a live connection on any gateway: the presence a peer is shown (issue 19).</summary>
    Task<bool> IsOnline();

    /// <summary>
    /// The gateways holding this user's live connections. Interleaves, because a private chat asks while the user
    /// may be waiting for that chat to take the user's own announcement of a change.
    /// </summary>
    [AlwaysInterleave]
    Task<UserGateways> GetGateways();

    /// <summary>Pushes a frame to every gateway holding a connection of this user.</summary>
    Task Deliver(ServerFrame frame);

    /// <summary>
    /// Before a room adds this user: refuses with <see cref="Model.ChatErrorCode.Forbidden"/> when the user is in
    /// <c>Chat:MaxRoomsPerUser</c> rooms already, else holds a place for <paramref name="room"/> until <see cref="AddRoom"/>.
    /// </summary>
    Task ReserveRoom(string room);

    /// <summary>The user is now a member of <paramref name="room"/>, having read up to <paramref name="readSeq"/> (the seq as of the join).</summary>
    Task AddRoom(string room, long readSeq);

    Task RemoveRoom(string room);

    /// <summary>The private chat with <paramref name="peerId"/> is open (which ends any pending request between the two), read up to <paramref name="readSeq"/>.</summary>
    Task AddDmPeer(string peerId, long readSeq);

    Task RemoveDmPeer(string peerId);

    /// <summary>
    /// A page of the user's conversations (pinned first, then newest activity first) after <paramref name="cursor"/>
    /// (a page's <c>next</c>), at most <paramref name="limit"/> (capped at <c>Chat:ConversationPageSize</c>, also the default).
    /// </summary>
    Task<ConversationPage> ListConversations(string? cursor, int? limit);

    /// <summary>
    /// Moves the user's read seq of <paramref name="conv"/> forward to <paramref name="seq"/> (never backwards, never
    /// past the last seq); a move is pushed to every device of the user as <c>conv.read</c>.
    /// <see cref="ChatErrorCode.NotFound"/> unless the conversation is one of the user's. In a private chat the peer
    /// is told with <c>conv.receipt</c>, unless <paramref name="privately"/>.
    /// </summary>
    Task<ConvReadEvent> MarkRead(string conv, long seq, bool privately = false);

    /// <summary>Hides the message at <paramref name="seq"/> of <paramref name="conv"/> from this user only (<c>msg.delete</c>); every device is told.</summary>
    Task HideMessage(string conv, long seq);

    /// <summary>The seqs of <paramref name="conv"/> this user hid, ascending.</summary>
    Task<IReadOnlyList<long>> GetHidden(string conv);

    /// <summary>Sets the pinned and/or muted flag (null: unchanged); a change is pushed to every device as <c>conv.settings</c>.</summary>
    Task<ConvSettingsEvent> SetFlags(string conv, bool? pinned, bool? muted);

    /// <summary>
    /// The user's own sends moved their read seq of <paramref name="conv"/> to <paramref name="seq"/>. One way and
    /// coalesced by the conversation (at most one a second per sender), which applies the move to its summaries at once.
    /// </summary>
    [OneWay]
    Task SentUpTo(string conv, long seq);

    /// <summary>
    /// The peer of the private chat <paramref name="conv"/> read up to <paramref name="seq"/>: kept (forward only) for
    /// the conversation list's <c>peerReadSeq</c> and pushed to the user's devices as <c>conv.receipt</c>.
    /// </summary>
    [OneWay]
    Task PeerRead(string conv, string peerId, long seq);

    /// <summary>Records a pending private-chat request, to or from the user; replaces an earlier one with the same peer.</summary>
    Task AddRequest(PendingDmRequest request);

    /// <summary>The request between the user and <paramref name="peerId"/> ended (accepted, declined, cancelled, left).</summary>
    Task RemoveRequest(string peerId);

    Task<IReadOnlyList<PendingDmRequest>> GetRequests();

    /// <summary>Blocks <paramref name="userId"/> (see <c>user.block</c>); blocking twice is a no-op.</summary>
    Task Block(string userId);

    Task Unblock(string userId);

    Task<IReadOnlyList<string>> GetBlocks();

    /// <summary>Whether this user blocked <paramref name="userId"/>. Interleaves: a private chat asks while this user may be waiting for it.</summary>
    [AlwaysInterleave]
    Task<bool> HasBlocked(string userId);
}
