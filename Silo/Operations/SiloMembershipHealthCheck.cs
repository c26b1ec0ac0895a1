using Microsoft.Extensions.Diagnostics.HealthChecks;
using Orleans.Runtime;

namespace OrleansChat.Silo.Operations;

/// <summary>Ready when the cluster's membership view lists this silo as Active (joining, shutting down or declared dead: not ready).</summary>
public sealed class SiloMembershipHealthCheck(ILocalSiloDetails local, IClusterMembershipService membership) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var status = membership.CurrentSnapshot.GetSiloStatus(local.SiloAddress);
        return Task.FromResult(status == SiloStatus.Active
            ? HealthCheckResult.Healthy($"{local.SiloAddress} is an active member")
            : HealthCheckResult.Unhealthy($"{local.SiloAddress} is {status}"));
    }
}
