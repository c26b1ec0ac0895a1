using Microsoft.Extensions.Diagnostics.HealthChecks;
using OrleansChat.Gateway.Sockets;

namespace OrleansChat.Gateway.Observability;

/// <summary>
/// Ready when this gateway is not draining and reaches the cluster: one cheap management call (the list of active
/// silos), in Embedded and Client mode alike, bounded so a probe never hangs.
/// </summary>
public sealed class ClusterReadinessHealthCheck(GatewayDrain drain, IGrainFactory grains) : IHealthCheck
{
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(2);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (drain.IsDraining)
        {
            return HealthCheckResult.Unhealthy("draining: connections are being moved to other gateways");
        }

        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(ProbeTimeout);
            var silos = await grains.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true, timeout.Token).WaitAsync(timeout.Token);
            return silos.Count > 0
                ? HealthCheckResult.Healthy($"{silos.Count} active silo(s)")
                : HealthCheckResult.Unhealthy("the cluster has no active silo");
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return HealthCheckResult.Unhealthy("the cluster does not answer", e);
        }
    }
}
