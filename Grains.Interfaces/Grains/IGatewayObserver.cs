using Orleans.Concurrency;
using OrleansChat.Protocol;

namespace OrleansChat.Grains;

/// <summary>
/// One per gateway process: grains push to a gateway, never to a socket, and the gateway fans out to its own
/// sockets. So a room message costs one call per gateway hosting online members, whatever the member count.
/// One-way, so a dead or slow gateway cannot stall a grain.
/// </summary>
public interface IGatewayObserver : IGrainObserver
{
    /// <summary>Deliver to every local socket that is in <paramref name="room"/>.</summary>
    [OneWay]
    Task DeliverToRoom(string room, ServerFrame frame);

    /// <summary>
    /// Deliver each of <paramref name="frames"/>, in order, to every local socket that is in <paramref name="room"/>:
    /// the room's messages that became durable together, in one call.
    /// </summary>
    [OneWay]
    Task DeliverManyToRoom(string room, ServerFrame[] frames);

    /// <summary>Deliver to every local socket of the <paramref name="userIds"/> (one serialisation for all of them).</summary>
    [OneWay]
    Task DeliverToUsers(IReadOnlyList<string> userIds, ServerFrame frame);

    /// <summary>The user joined or left a room (from any device): add or drop their local sockets in its index.</summary>
    [OneWay]
    Task RoomMembershipChanged(string userId, string room, bool joined);

    /// <summary>
    /// The users with a socket here in <paramref name="room"/>: asked by a room grain as it activates (after a silo
    /// died, or a move), so it delivers live at once instead of after the next renewal. Answered from memory.
    /// </summary>
    Task<string[]> LocalUsersIn(string room);

    /// <summary>The ids of <paramref name="userId"/>'s connections here: asked by a user grain as it activates.</summary>
    Task<string[]> LocalConnectionsOf(string userId);
}

/// <summary>How a grain addresses a gateway: a stable id (the subscription key) and its observer reference.</summary>
[GenerateSerializer, Immutable]
public sealed record GatewayRef(string GatewayId, IGatewayObserver Observer);
