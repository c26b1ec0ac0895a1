using Microsoft.Extensions.Options;

namespace OrleansChat.Grains.Gateways;

[GenerateSerializer, Alias("chat.GatewayDirectoryState")]
public sealed class GatewayDirectoryState
{
    [Id(0)]
    public Dictionary<string, GatewayRef> Gateways { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>
/// The live gateways (see <see cref="IGatewayDirectoryGrain"/>). The list is written only when a gateway comes or
/// goes, never on a renewal: a handful of writes per gateway lifetime. When it was last seen is kept in memory;
/// after a reactivation every stored gateway counts as just seen, so a live one stays listed (it renews within a
/// third of the expiry) and a dead one lapses one expiry later. Until then asking a dead one costs an activation at
/// most <see cref="GatewayRecall.AnswerTimeout"/>.
/// </summary>
public sealed class GatewayDirectoryGrain(
    [PersistentState("gateways", "chat")] IPersistentState<GatewayDirectoryState> state,
    IOptions<ChatOptions> options,
    TimeProvider time) : Grain, IGatewayDirectoryGrain
{
    private readonly Dictionary<string, DateTimeOffset> _lastSeen = new(StringComparer.Ordinal);

    private IDictionary<string, GatewayRef> Gateways => state.State.Gateways;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        foreach (var id in Gateways.Keys)
        {
            _lastSeen[id] = now;
        }

        return Task.CompletedTask;
    }

    public async Task Register(GatewayRef gateway)
    {
        _lastSeen[gateway.GatewayId] = time.GetUtcNow();
        var isNew = !Gateways.TryGetValue(gateway.GatewayId, out var known) || known != gateway;
        Gateways[gateway.GatewayId] = gateway;
        if (DropExpired() | isNew)
        {
            await state.WriteStateAsync();
        }
    }

    public async Task Unregister(string gatewayId)
    {
        _lastSeen.Remove(gatewayId);
        if (Gateways.Remove(gatewayId))
        {
            await state.WriteStateAsync();
        }
    }

    public Task<IReadOnlyList<GatewayRef>> GetLive()
    {
        var now = time.GetUtcNow();
        IReadOnlyList<GatewayRef> live = [.. Gateways.Values.Where(g => IsLive(g.GatewayId, now))];
        return Task.FromResult(live);
    }

    private bool DropExpired()
    {
        var now = time.GetUtcNow();
        var expired = Gateways.Keys.Where(id => !IsLive(id, now)).ToList();
        foreach (var id in expired)
        {
            Gateways.Remove(id);
            _lastSeen.Remove(id);
        }

        return expired.Count > 0;
    }

    private bool IsLive(string gatewayId, DateTimeOffset now) =>
        _lastSeen.TryGetValue(gatewayId, out var seen) && now - seen < options.Value.SubscriptionExpiry;
}
