using OrleansChat.Grains;
using OrleansChat.Model;
using OrleansChat.Protocol;

namespace OrleansChat.Gateway.Sockets;

/// <summary>
/// This gateway process as the grains see it: one observer for the whole process (not one per socket), through
/// which rooms and users push frames that are serialised once and fanned out to the local sockets. It also
/// keeps the grains told which local users are online where.
/// </summary>
public sealed partial class LocalGateway : IGatewayObserver
{
    private readonly IGrainFactory _grains;
    private readonly ConnectionRegistry _registry;
    private readonly ILogger<LocalGateway> _logger;
    private readonly Lazy<GatewayRef> _ref;
    private readonly Observability.GatewayMetrics _metrics;

    private readonly FanoutLanes _lanes;
    private readonly GrainReferences<IGroupRoomGrain> _rooms;
    private readonly GrainReferences<IUserGrain> _users;

    public LocalGateway(IGrainFactory grains, ConnectionRegistry registry, FanoutLanes lanes, ILogger<LocalGateway> logger, Observability.GatewayMetrics metrics)
    {
        _lanes = lanes;
        _metrics = metrics;
        _grains = grains;
        _registry = registry;
        _logger = logger;
        _rooms = new GrainReferences<IGroupRoomGrain>(grains);
        _users = new GrainReferences<IUserGrain>(grains);
        Id = $"{Environment.MachineName}-{Guid.NewGuid():N}";

        // Orleans holds observer objects weakly: this singleton keeps itself alive for the process lifetime.
        _ref = new Lazy<GatewayRef>(() => new GatewayRef(Id, _grains.CreateObjectReference<IGatewayObserver>(this)));
    }

    public string Id { get; }

    public GatewayRef Ref => _ref.Value;

    public ConnectionRegistry Registry => _registry;

    /// <summary>
    /// Whether the cluster's chat grains can be called from here yet. A Client-mode gateway answers HTTP while its
    /// Orleans client is still connecting or has a cluster manifest without the chat grains (silos still joining):
    /// until then a socket would be upgraded only to be closed with 1011, so it is refused with 503 before the upgrade.
    /// </summary>
    public bool CanReachGrains => _users.IsKnown && _rooms.IsKnown;

    /// <summary>
    /// Whether this gateway is in the gateway directory (<see cref="RegisterAsync"/> succeeded once). Until then it
    /// takes no socket: a grain that reactivates after its silo died finds its members' gateways in that directory
    /// only, so a socket served by an unlisted gateway would get no live message from such a grain until the next
    /// renewal (a third of <c>Chat:SubscriptionExpiry</c>). Found by Tests/Reliability/LiveDeliveryAfterSiloCrashTests,
    /// which failed about one full test run in three while the gateway's first registrations were still failing.
    /// </summary>
    public bool IsListed => _listed;

    private volatile bool _listed;

    /// <summary>Why this gateway may not take sockets yet, or null when it may (<see cref="CanReachGrains"/>, <see cref="IsListed"/>).</summary>
    public string? NotReadyReason =>
        !CanReachGrains ? "the cluster's chat grains are not known yet (no cluster manifest naming them)"
        : !IsListed ? "this gateway is not listed in the cluster's gateway directory yet"
        : null;

    /// <summary>Registers the socket with its user and its rooms; returns what the welcome frame says.</summary>
    public async Task<UserSession> ConnectAsync(ClientConnection connection)
    {
        _registry.Add(connection);
        var session = await UserOf(connection).Connect(connection.User, Ref, connection.Id);
        await Task.WhenAll(session.Rooms.Select(room => EnterRoomAsync(room, connection)));
        return session;
    }

    public async Task DisconnectAsync(ClientConnection connection)
    {
        var abandoned = _registry.Remove(connection);
        await Task.WhenAll(abandoned.Select(room => Room(room).Detach(Id, connection.User.Id)));
        await UserOf(connection).Disconnect(Id, connection.Id);
    }

    /// <summary>
    /// Joins the room; the socket is indexed first so that it sees its own <c>room.joined</c> and every message after
    /// the returned seq (the room's last as of the join).
    /// </summary>
    public Task<long> JoinRoomAsync(string room, ClientConnection connection) =>
        EnterAsync(room, connection, grain => grain.Join(connection.User, Ref));

    /// <summary>Creates the room with this socket's user as owner; indexed first, like a join.</summary>
    public Task<long> CreateRoomAsync(string room, RoomVisibility visibility, ClientConnection connection) =>
        EnterAsync(room, connection, grain => grain.Create(connection.User, visibility, Ref));

    private async Task<long> EnterAsync(string room, ClientConnection connection, Func<IGroupRoomGrain, Task<long>> enter)
    {
        _registry.AddToRoom(room, connection);
        try
        {
            return await enter(Room(room));
        }
        catch
        {
            _registry.RemoveFromRoom(room, connection);
            throw;
        }
    }

    public async Task LeaveRoomAsync(string room, ClientConnection connection)
    {
        await Room(room).Leave(connection.User.Id);
        foreach (var local in _registry.OfUser(connection.User.Id))
        {
            _registry.RemoveFromRoom(room, local);
        }
    }

    public Task DeliverToRoom(string room, ServerFrame frame)
    {
        _metrics.FannedOut(frame);
        var members = _registry.InRoom(room);
        if (members.Length > 0)
        {
            _lanes.Post(members, ProtocolJson.Serialize(frame));
        }

        return Task.CompletedTask;
    }

    public Task DeliverManyToRoom(string room, ServerFrame[] frames)
    {
        var members = _registry.InRoom(room);
        foreach (var frame in frames)
        {
            _metrics.FannedOut(frame);
            if (members.Length > 0)
            {
                _lanes.Post(members, ProtocolJson.Serialize(frame));
            }
        }

        return Task.CompletedTask;
    }

    public Task DeliverToUsers(IReadOnlyList<string> userIds, ServerFrame frame)
    {
        _metrics.FannedOut(frame);
        // A user's few sockets are written right here (inline when idle); a room's go through the lanes. Plain loops,
        // no list of targets: this runs for every private message.
        ReadOnlyMemory<byte> utf8 = default;
        for (var i = 0; i < userIds.Count; i++)
        {
            foreach (var connection in _registry.OfUser(userIds[i]))
            {
                if (utf8.IsEmpty)
                {
                    utf8 = ProtocolJson.Serialize(frame);
                }

                connection.Writer.Send(utf8);
            }
        }

        return Task.CompletedTask;
    }

    public Task RoomMembershipChanged(string userId, string room, bool joined)
    {
        var work = _registry.OfUser(userId).Select(c => joined ? EnterRoomAsync(room, c) : ExitRoomAsync(room, c));
        _ = ObserveAsync(Task.WhenAll(work), room);
        return Task.CompletedTask;
    }

    public Task<string[]> LocalUsersIn(string room) =>
        Task.FromResult(_registry.InRoom(room).Select(c => c.User.Id).Distinct(StringComparer.Ordinal).ToArray());

    public Task<string[]> LocalConnectionsOf(string userId) =>
        Task.FromResult(_registry.OfUser(userId).Select(c => c.Id).ToArray());

    /// <summary>Lists (or keeps listed) this gateway where activating grains look for their members' gateways.</summary>
    public async Task RegisterAsync()
    {
        await _grains.GetGrain<IGatewayDirectoryGrain>(0).Register(Ref);
        _listed = true;
    }

    /// <summary>Stopping cleanly: activating grains need not ask this gateway any more.</summary>
    public Task UnregisterAsync() => _grains.GetGrain<IGatewayDirectoryGrain>(0).Unregister(Id);

    /// <summary>Re-states the local room presences and connections of one slice so that the grains' registrations do not expire.</summary>
    public async Task RenewAsync(RenewalSlice slice)
    {
        var rooms = _registry.RoomsSnapshot(slice).Select(r => Room(r.Room).Renew(Ref, r.Users));
        var users = _registry.UsersSnapshot(slice).Select(local => UserOf(local[0]).RenewConnections(Ref, [.. local.Select(c => c.Id)]));
        await Task.WhenAll(rooms.Concat(users));
    }

    private async Task EnterRoomAsync(string room, ClientConnection connection)
    {
        if (_registry.AddToRoom(room, connection))
        {
            await Room(room).Attach(Ref, connection.User.Id);
        }
    }

    private async Task ExitRoomAsync(string room, ClientConnection connection)
    {
        if (_registry.RemoveFromRoom(room, connection))
        {
            await Room(room).Detach(Id, connection.User.Id);
        }
    }

    private async Task ObserveAsync(Task work, string room)
    {
        try
        {
            await work;
        }
        catch (Exception e)
        {
            LogMembershipFailed(e, room);
        }
    }

    private IGroupRoomGrain Room(string room) => _rooms.Get(room);

    private IUserGrain UserOf(ClientConnection connection) => connection.UserGrain ??= _users.Get(connection.User.Id);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Updating the local index of room {Room} failed; the next renewal repairs it")]
    private partial void LogMembershipFailed(Exception exception, string room);
}
