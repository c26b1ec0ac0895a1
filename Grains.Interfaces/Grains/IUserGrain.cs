using OrleansChat.Model;
using OrleansChat.Protocol;

namespace OrleansChat.Grains;

/// <summary>What a connecting socket learns about its user.</summary>
[GenerateSerializer, Immutable]
public sealed record UserSession(UserProfile Profile, IReadOnlyList<string> Rooms, IReadOnlyList<string> DmPeers);

/// <summary>
/// A user (key: user id): profile, rooms joined, private conversations, and live connections by gateway.
/// Presence is having at least one live connection.
/// </summary>
public interface IUserGrain : IGrainWithStringKey
{
    /// <summary>Registers a live connection and returns what the socket needs to index itself.</summary>
    Task<UserSession> Connect(UserProfile profile, GatewayRef gateway, string connectionId);

    Task Disconnect(string gatewayId, string connectionId);

    /// <summary>The gateway still holds these connections; without renewal they expire (a dead gateway).</summary>
    Task RenewConnections(GatewayRef gateway, IReadOnlyCollection<string> connectionIds);

    Task<UserProfile?> GetProfile();

    Task<bool> IsOnline();

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
