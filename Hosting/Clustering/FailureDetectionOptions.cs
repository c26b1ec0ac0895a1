namespace OrleansChat.Hosting.Clustering;

/// <summary>
/// How fast a crashed silo is noticed, declared dead and routed around (section "Cluster:FailureDetection").
/// The defaults are Orleans' own, sane for production: a silo that misses 3 probes of 5 s is suspected, and 2
/// votes (or every other silo, in a smaller cluster) declare it dead; until then calls to grains it hosted time
/// out after <see cref="ResponseTimeout"/>, and the senders resend. Tests set them small to kill a silo quickly.
/// </summary>
public sealed class FailureDetectionOptions
{
    /// <summary>Initial timeout of a liveness probe and period between probes (Orleans adapts it within ½× to 4×).</summary>
    public TimeSpan ProbeTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Missed probes in a row after which a silo votes the probed silo dead.</summary>
    public int NumMissedProbesLimit { get; set; } = 3;

    /// <summary>Votes that declare a silo dead (Orleans needs fewer when the cluster has fewer other silos).</summary>
    public int NumVotesForDeathDeclaration { get; set; } = 2;

    /// <summary>How often a silo re-reads the membership table (gossip usually tells it sooner).</summary>
    public TimeSpan TableRefreshTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How long a grain call waits for its response, on silos and on client gateways alike.</summary>
    public TimeSpan ResponseTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Client gateways: how often the list of live silo gateways is re-read from the membership table.</summary>
    public TimeSpan GatewayListRefreshPeriod { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Throws when a value cannot work, naming the setting.</summary>
    public void Validate()
    {
        RequirePositive(ProbeTimeout, nameof(ProbeTimeout));
        RequirePositive(TableRefreshTimeout, nameof(TableRefreshTimeout));
        RequirePositive(ResponseTimeout, nameof(ResponseTimeout));
        RequirePositive(GatewayListRefreshPeriod, nameof(GatewayListRefreshPeriod));
        if (NumMissedProbesLimit < 1 || NumVotesForDeathDeclaration < 1)
        {
            throw new InvalidOperationException(
                "Cluster:FailureDetection:NumMissedProbesLimit and NumVotesForDeathDeclaration must be at least 1");
        }
    }

    private static void RequirePositive(TimeSpan value, string name)
    {
        if (value <= TimeSpan.Zero)
        {
            throw new InvalidOperationException($"Cluster:FailureDetection:{name} must be positive, not {value}");
        }
    }
}
