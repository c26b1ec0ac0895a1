using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansChat.Grains.Conversations;
using OrleansChat.Grains.Gateways;
using OrleansChat.Model;
using OrleansChat.Protocol;

namespace OrleansChat.Grains;

[GenerateSerializer, Alias("chat.UserState")]
public sealed class UserState
{
    [Id(0)]
    public UserProfile? Profile { get; set; }

    [Id(1)]
    public HashSet<string> Rooms { get; set; } = new(StringComparer.Ordinal);

    [Id(2)]
    public HashSet<string> DmPeers { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Read seq, pinned and muted per conversation of <see cref="Rooms"/> and <see cref="DmPeers"/>, by conversation id.</summary>
    [Id(3)]
    public Dictionary<string, UserConversation> Conversations { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Pending private-chat requests to and from this user, by the other user's id.</summary>
    [Id(4)]
    public Dictionary<string, PendingDmRequest> Requests { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The users this user blocked.</summary>
    [Id(5)]
    public HashSet<string> Blocked { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>
/// A user: profile, rooms and private-chat peers are persisted; live connections are not (the gateways renew
/// them). Presence is having at least one live connection; its changes are told to every private-chat peer.
/// There is no timer per user for the expiry: a gateway's renewal drops the other gateways' expired entries, and
/// a user whose gateways all died gets no renewals, so Orleans collects the idle activation once the expiry is
/// past (<see cref="Hosting.ChatSiloExtensions"/> sets that age) and deactivating tells the private chats.
/// </summary>
public sealed partial class UserGrain(
    [PersistentState("user", "chat")] IPersistentState<UserState> state,
    IOptions<ChatOptions> options,
    TimeProvider time,
    ChatMetrics metrics,
    ILogger<UserGrain> logger) : Grain, IUserGrain
{
    private static readonly TimeSpan RoomReservationLifetime = TimeSpan.FromMinutes(1);

    private readonly GatewaySubscriptions _connections = new(time, options.Value.SubscriptionExpiry);

    /// <summary>
    /// Rooms being joined right now (reserved, not yet added), so concurrent joins cannot overshoot the limit. Null
    /// while there are none, which is almost always: every connected user has an activation, so an empty
    /// dictionary each would be ~80 B per idle connection.
    /// </summary>
    private Dictionary<string, DateTimeOffset>? _reservedRooms;

    /// <summary>The gateways as last announced to the private chats.</summary>
    private IReadOnlyList<GatewayRef> _announcedGateways = [];

    // Grows with every announcement. Starts from the clock (µs-sized steps from Unix ms, still exact as a
    // JavaScript number) so a reactivated grain keeps counting upwards from where the last one stopped.
    private long _gatewaysVersion = time.GetUtcNow().ToUnixTimeMilliseconds() * 1000;

    private Task _announcing = Task.CompletedTask;

    private string UserId => this.GetPrimaryKeyString();

    private UserGateways Announced => new(UserId, _announcedGateways, _gatewaysVersion);

    /// <summary>Reactivated after a silo died (or moved): the gateways holding the user's connections say so now.</summary>
    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var recall = await GatewayRecall.AskAsync(this, GrainFactory, g => g.LocalConnectionsOf(UserId), later => RenewConnections(later.Gateway, later.Members));
        foreach (var (gateway, connections) in recall.Answers)
        {
            _connections.Renew(gateway, connections);
        }
    }

    public async Task<UserSession> Connect(UserProfile profile, GatewayRef gateway, string connectionId)
    {
        if (profile.Id != UserId)
        {
            throw ChatException.BadRequest($"profile '{profile.Id}' is not user '{UserId}'");
        }

        if (state.State.Profile != profile)
        {
            state.State.Profile = profile;
            await state.WriteStateAsync();
        }

        DropExpiredGateways();
        _connections.Add(gateway, connectionId);
        if (AnnounceGatewaysIfChanged())
        {
            await _announcing; // the private chats deliver to gateways directly: a new device's next message must reach it
        }

        var firstPage = await ListConversations(null, null);
        return new UserSession(profile, [.. state.State.Rooms], [.. state.State.DmPeers], firstPage, PendingRequests());
    }

    public Task Disconnect(string gatewayId, string connectionId)
    {
        _connections.Remove(gatewayId, connectionId);
        AnnounceGatewaysIfChanged();
        return Task.CompletedTask;
    }

    public Task RenewConnections(GatewayRef gateway, IReadOnlyCollection<string> connectionIds)
    {
        DropExpiredGateways();
        _connections.Renew(gateway, connectionIds);
        AnnounceGatewaysIfChanged();
        return Task.CompletedTask;
    }

    public Task<UserProfile?> GetProfile() => Task.FromResult(state.State.Profile);

    public Task<bool> IsOnline() => Task.FromResult(_connections.AnyLive);

    public Task<UserGateways> GetGateways() => Task.FromResult(Announced);

    public Task Deliver(ServerFrame frame)
    {
        foreach (var gateway in _connections.LiveObservers)
        {
            metrics.FanOutCall("user");
            gateway.DeliverToUsers([UserId], frame).Ignore();
        }

        return Task.CompletedTask;
    }

    public Task ReserveRoom(string room)
    {
        if (state.State.Rooms.Contains(room))
        {
            return Task.CompletedTask;
        }

        // A reservation whose join failed half-way lapses instead of counting for ever.
        var now = time.GetUtcNow();
        _reservedRooms ??= new(StringComparer.Ordinal);
        foreach (var lapsed in _reservedRooms.Where(r => now - r.Value > RoomReservationLifetime).Select(r => r.Key).ToList())
        {
            _reservedRooms.Remove(lapsed);
        }

        var max = options.Value.MaxRoomsPerUser;
        if (state.State.Rooms.Count + _reservedRooms.Count(r => r.Key != room) >= max)
        {
            throw ChatException.Forbidden($"at most {max} rooms per user: leave a room before joining another");
        }

        _reservedRooms[room] = now;
        return Task.CompletedTask;
    }

    public async Task AddRoom(string room, long readSeq)
    {
        if (_reservedRooms is not null && _reservedRooms.Remove(room) && _reservedRooms.Count == 0)
        {
            _reservedRooms = null;
        }

        if (state.State.Rooms.Add(room))
        {
            await JoinConversationAsync(ConversationId.ForRoom(room), readSeq);
            TellGatewaysRoomMembership(room, joined: true);
        }
    }

    public async Task RemoveRoom(string room)
    {
        if (state.State.Rooms.Remove(room))
        {
            Conversations.Remove(ConversationId.ForRoom(room));
            await state.WriteStateAsync();
            TellGatewaysRoomMembership(room, joined: false);
        }
    }

    public async Task AddDmPeer(string peerId, long readSeq)
    {
        var requestEnded = state.State.Requests.Remove(peerId);
        if (state.State.DmPeers.Add(peerId))
        {
            await JoinConversationAsync(ConversationId.ForDm(UserId, peerId), readSeq);
        }
        else if (requestEnded)
        {
            await state.WriteStateAsync();
        }
    }

    public async Task RemoveDmPeer(string peerId)
    {
        var requestEnded = state.State.Requests.Remove(peerId);
        if (state.State.DmPeers.Remove(peerId) | requestEnded)
        {
            Conversations.Remove(ConversationId.ForDm(UserId, peerId));
            await state.WriteStateAsync();
        }
    }

    private void TellGatewaysRoomMembership(string room, bool joined)
    {
        foreach (var gateway in _connections.LiveObservers)
        {
            metrics.FanOutCall("membership");
            gateway.RoomMembershipChanged(UserId, room, joined).Ignore();
        }
    }

    /// <summary>
    /// Collected after a silence longer than the expiry, so every gateway left is dead: their users are offline.
    /// Deactivated for another reason (shutdown, rebalancing) with gateways still live, nothing changed: no announcement.
    /// </summary>
    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        DropExpiredGateways();
        AnnounceGatewaysIfChanged();
        await _announcing.WaitAsync(cancellationToken);
    }

    private void DropExpiredGateways()
    {
        foreach (var dropped in _connections.RemoveExpired(time.GetUtcNow()))
        {
            LogGatewayExpired(UserId, dropped.GatewayId, dropped.Members.Count);
        }
    }

    /// <summary>
    /// When the set of gateways holding this user's connections changed, tells every private chat of the user
    /// (they deliver to those gateways directly, and tell the peer when the user came online or went offline).
    /// Returns whether there was a change; the announcement runs after the previous one, in <see cref="_announcing"/>.
    /// </summary>
    private bool AnnounceGatewaysIfChanged()
    {
        if (_connections.LiveGatewaysAre(_announcedGateways))
        {
            return false;
        }

        var gateways = _connections.LiveGateways;
        var presenceChanged = gateways.Count > 0 != _announcedGateways.Count > 0;
        (_announcedGateways, _gatewaysVersion) = (gateways, _gatewaysVersion + 1);
        _announcing = AnnounceAsync(_announcing, [.. state.State.DmPeers], Announced, presenceChanged);
        return true;
    }

    /// <summary>Runs after the previous announcement, so presence flips reach the peers in order as a rule; the version orders the rest.</summary>
    private async Task AnnounceAsync(Task previous, IReadOnlyList<string> peers, UserGateways gateways, bool presenceChanged)
    {
        await previous;
        await Task.WhenAll(peers.Select(peer => AnnounceToAsync(peer, gateways, presenceChanged)));
    }

    private async Task AnnounceToAsync(string peer, UserGateways gateways, bool presenceChanged)
    {
        try
        {
            await GrainFactory.GetGrain<IPrivateChatGrain>(ConversationId.DmKey(UserId, peer)).UserGatewaysChanged(gateways, presenceChanged);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogPresenceFailed(ex, UserId, peer);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "User {UserId}: gateway {GatewayId} expired with {Connections} connection(s)")]
    private partial void LogGatewayExpired(string userId, string gatewayId, int connections);

    [LoggerMessage(Level = LogLevel.Warning, Message = "User {UserId}: telling the private chat with {PeerId} where the user is connected failed")]
    private partial void LogPresenceFailed(Exception exception, string userId, string peerId);
}
