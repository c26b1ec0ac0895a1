using Orleans.Concurrency;
using OrleansChat.Model;

namespace OrleansChat.Grains;

[GenerateSerializer]
public enum DmStatus
{
    None,
    Requested,
    Open,
    Declined,
}

[GenerateSerializer, Immutable]
public sealed record DmState(string Conv, DmStatus Status, string? RequestedBy);

/// <summary>
/// A private conversation between two users (key: both ids in ordinal order, see <see cref="ConversationId.DmKey"/>):
/// the "request, accept, chat" flow none -> requested(by) -> open, with decline and leave, and its message sequence.
/// </summary>
public interface IPrivateChatGrain : IConversationGrain
{
    /// <summary>Asks the peer to chat. A request to a peer who already asked you opens the conversation.</summary>
    Task<DmState> Request(UserProfile from);

    /// <summary>Accepts the request <paramref name="by"/>'s peer made; anything else is a conflict.</summary>
    Task<DmState> Accept(UserProfile by);

    Task<DmState> Decline(UserProfile by);

    /// <summary>Withdraws <paramref name="by"/>'s own pending request; the peer is told with <c>dm.cancelled</c>. Anything else is a conflict.</summary>
    Task<DmState> Cancel(UserProfile by);

    /// <summary>Closes the conversation for both; the peer is told with <c>dm.left</c>.</summary>
    Task<DmState> Leave(UserProfile by);

    /// <summary>
    /// Refused with <see cref="ChatErrorCode.Forbidden"/> until the conversation is open. Interleaves, so the conversation
    /// takes the next send while earlier ones commit; acks and deliveries follow in seq order.
    /// </summary>
    [AlwaysInterleave]
    Task<SendReceipt> Send(UserProfile from, string? clientId, MessageBody body);

    /// <summary>
    /// One of the two users' gateways changed, so the conversation delivers to the right gateways directly. When
    /// <paramref name="presenceChanged"/> (came online, went offline) the other user is told with <c>dm.presence</c>.
    /// Interleaves: the user may wait for it while this conversation waits for the user.
    /// </summary>
    [AlwaysInterleave]
    Task UserGatewaysChanged(UserGateways user, bool presenceChanged);

    /// <summary>
    /// <paramref name="blockerId"/> blocked (or unblocked) the other user, whose sends are refused from now on. One way:
    /// the blocker's user grain tells this conversation without waiting for it (which may be waiting for that user grain).
    /// </summary>
    [OneWay]
    Task BlockChanged(string blockerId, bool blocked);
}
