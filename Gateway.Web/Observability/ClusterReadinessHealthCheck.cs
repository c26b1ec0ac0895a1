using Microsoft.Extensions.Diagnostics.HealthChecks;
using OrleansChat.Gateway.Sockets;

namespace OrleansChat.Gateway.Observability;

/// <summary>
/// Ready when this gateway is not draining and is connected to the cluster, decided from state the process already
/// holds (no grain call, so it answers in microseconds, well inside the probe's timeout): in Client mode, the Orleans
/// client has started (its connection retries are over) and is connected to at least one silo gateway; in Embedded
/// mode, the co-hosted silo is an Active member; and in both, the chat grains can be called (the cluster manifest
/// names them) and this gateway is listed in the gateway directory (<see cref="LocalGateway.IsListed"/>).
/// </summary>
public sealed class ClusterReadinessHealthCheck(GatewayDrain drain, IHostApplicationLifetime lifetime, LocalGateway gateway, IServiceProvider services) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(Check());

    private HealthCheckResult Check()
    {
        if (drain.IsDraining)
        {
            return HealthCheckResult.Unhealthy("draining: connections are being moved to other gateways");
        }

        if (!lifetime.ApplicationStarted.IsCancellationRequested)
        {
            return HealthCheckResult.Unhealthy("starting: not connected to the cluster yet");
        }

        if (gateway.NotReadyReason is { } notReady)
        {
            return HealthCheckResult.Unhealthy(notReady);
        }

        return services.GetService<ILocalSiloDetails>() is { } local
            ? EmbeddedSilo(local, services.GetRequiredService<IClusterMembershipService>())
            : Client(services.GetRequiredService<ClusterConnectionState>());
    }

    private static HealthCheckResult EmbeddedSilo(ILocalSiloDetails local, IClusterMembershipService membership)
    {
        var status = membership.CurrentSnapshot.GetSiloStatus(local.SiloAddress);
        return status == SiloStatus.Active
            ? HealthCheckResult.Healthy($"the embedded silo {local.SiloAddress} is an active member")
            : HealthCheckResult.Unhealthy($"the embedded silo {local.SiloAddress} is {status}");
    }

    private static HealthCheckResult Client(ClusterConnectionState state) => state.ConnectedGateways switch
    {
        0 => HealthCheckResult.Unhealthy("connected to no silo gateway"),
        null => HealthCheckResult.Healthy("connected to the cluster"),
        var count => HealthCheckResult.Healthy($"connected to {count} silo gateway(s)"),
    };
}
