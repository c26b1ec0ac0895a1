using System.Collections.Concurrent;
using OrleansChat.Grains;
using OrleansChat.Model;

namespace OrleansChat.Tests.Infrastructure;

/// <summary>
/// What a gateway process does towards the grains, minus the sockets: registers connections and room presence
/// through one observer and (unless told not to) renews them periodically, well inside the expiry.
/// </summary>
public sealed class TestGateway : IAsyncDisposable
{
    private readonly IClusterClient _client;
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, bool>> _connections = new(); // user -> connection ids
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, bool>> _rooms = new(); // room -> online users
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _renewing;

    public TestGateway(IClusterClient client, bool renew, TimeSpan renewEvery)
    {
        _client = client;
        Recorder = new RecordingGatewayObserver();
        Ref = new GatewayRef(Id, client.CreateObjectReference<IGatewayObserver>(Recorder));
        _renewing = renew ? RenewLoop(renewEvery) : Task.CompletedTask;
    }

    public string Id { get; } = "gw-" + Guid.NewGuid().ToString("N")[..8];

    /// <summary>Strongly held for as long as the reference is subscribed anywhere.</summary>
    public RecordingGatewayObserver Recorder { get; }

    public GatewayRef Ref { get; }

    public async Task<UserSession> Connect(UserProfile user, string? connectionId = null)
    {
        connectionId ??= "c-" + Guid.NewGuid().ToString("N")[..8];
        _connections.GetOrAdd(user.Id, _ => new())[connectionId] = true;
        return await _client.GetGrain<IUserGrain>(user.Id).Connect(user, Ref, connectionId);
    }

    public async Task Disconnect(string userId, string connectionId)
    {
        if (_connections.TryGetValue(userId, out var ids))
        {
            ids.TryRemove(connectionId, out _);
        }

        await _client.GetGrain<IUserGrain>(userId).Disconnect(Id, connectionId);
    }

    public async Task Join(string room, UserProfile user)
    {
        _rooms.GetOrAdd(room, _ => new())[user.Id] = true;
        await _client.GetGrain<IGroupRoomGrain>(room).Join(user, Ref);
    }

    /// <summary>Creates the room with <paramref name="owner"/> as its owner, online through this gateway.</summary>
    public async Task Create(string room, UserProfile owner, RoomVisibility visibility)
    {
        _rooms.GetOrAdd(room, _ => new())[owner.Id] = true;
        await _client.GetGrain<IGroupRoomGrain>(room).Create(owner, visibility, Ref);
    }

    public IGroupRoomGrain Room(string room) => _client.GetGrain<IGroupRoomGrain>(room);

    public async Task RenewNow()
    {
        foreach (var (userId, ids) in _connections)
        {
            await _client.GetGrain<IUserGrain>(userId).RenewConnections(Ref, [.. ids.Keys]);
        }

        foreach (var (room, users) in _rooms)
        {
            await _client.GetGrain<IGroupRoomGrain>(room).Renew(Ref, [.. users.Keys]);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _renewing;
        _client.DeleteObjectReference<IGatewayObserver>(Ref.Observer);
        _stop.Dispose();
    }

    private async Task RenewLoop(TimeSpan every)
    {
        using var timer = new PeriodicTimer(every);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token))
            {
                await RenewNow();
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
