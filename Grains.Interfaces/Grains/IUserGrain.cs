using Orleans.Concurrency;
using OrleansChat.Model;
using OrleansChat.Protocol;

namespace OrleansChat.Grains;

/// <summary>What a connecting socket learns about its user.</summary>
[GenerateSerializer, Immutable]
public sealed record UserSession(UserProfile Profile, IReadOnlyList<string> Rooms, IReadOnlyList<string> DmPeers);

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

    Task AddRoom(string room);

    Task RemoveRoom(string room);

    Task AddDmPeer(string peerId);

    Task RemoveDmPeer(string peerId);
}
