using Orleans.Concurrency;

namespace OrleansChat.Grains;

/// <summary>
/// The live gateway processes of the cluster (one grain, key 0). Conversation and user grains ask it as they
/// activate, then ask each gateway which of their members it holds (<see cref="IGatewayObserver.LocalUsersIn"/>), so
/// a grain reactivated after a silo died delivers live at once. Gateways register at start and renew with their
/// other registrations; the list is persisted, so the directory survives the death of the silo that hosted it.
/// </summary>
public interface IGatewayDirectoryGrain : IGrainWithIntegerKey
{
    /// <summary>Registers or renews a gateway; a gateway not renewed within <c>Chat:SubscriptionExpiry</c> is dropped.</summary>
    Task Register(GatewayRef gateway);

    /// <summary>A gateway stopping cleanly: drop it now rather than at its expiry.</summary>
    Task Unregister(string gatewayId);

    /// <summary>The gateways registered and not expired.</summary>
    [ReadOnly]
    Task<IReadOnlyList<GatewayRef>> GetLive();
}
