using OrleansChat.Model;
using OrleansChat.Protocol;

namespace OrleansChat.Grains;

/// <summary>
/// A group room (key: room name): its members, which gateways host its online members, and its message
/// sequence. Join/leave are announced to the room; every message gets the next seq, is logged, then fanned out.
/// </summary>
public interface IGroupRoomGrain : IConversationGrain
{
    /// <summary>Makes <paramref name="user"/> a member, online through <paramref name="gateway"/>. Joining twice is a no-op.</summary>
    Task Join(UserProfile user, GatewayRef gateway);

    /// <summary>Leaving a room one is not in is refused with <see cref="ChatErrorCode.NotFound"/>.</summary>
    Task Leave(string userId);

    Task<SendReceipt> Send(UserProfile from, string? clientId, MessageBody body);

    Task<IReadOnlyList<RoomMember>> GetMembers(string askingUserId);

    /// <summary>A gateway now holds a live socket of member <paramref name="userId"/>.</summary>
    Task Attach(GatewayRef gateway, string userId);

    /// <summary>The gateway holds no live socket of <paramref name="userId"/> any more.</summary>
    Task Detach(string gatewayId, string userId);

    /// <summary>Periodic renewal: the gateway's full list of online members of this room.</summary>
    Task Renew(GatewayRef gateway, IReadOnlyCollection<string> onlineUserIds);

    /// <summary>How many gateways the room would notify now (for tests and metrics).</summary>
    Task<int> GetSubscribedGatewayCount();
}
