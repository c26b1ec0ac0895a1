namespace OrleansChat.Hosting.Operations;

/// <summary>The operations HTTP endpoint of the Silo process (section "Health"); the gateway serves the same paths on its own port.</summary>
public sealed class HealthOptions
{
    public const string SectionName = "Health";

    /// <summary>Port of the silo's /healthz, /readyz, /metrics (and /dashboard) listener; 0 picks a free port.</summary>
    public int Port { get; set; } = 8080;
}
