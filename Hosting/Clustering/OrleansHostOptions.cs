namespace OrleansChat.Hosting.Clustering;

public enum GatewayMode
{
    /// <summary>The gateway co-hosts a silo: one process, nothing to install (the default).</summary>
    Embedded,

    /// <summary>The gateway is an Orleans client of separate Silo processes.</summary>
    Client,
}

public enum ClusteringProvider
{
    /// <summary>One machine: the silo at <see cref="OrleansHostOptions.SiloPort"/> is its own membership.</summary>
    Localhost,

    /// <summary>Membership in Redis: any number of silos and client gateways find each other there.</summary>
    Redis,
}

/// <summary>How a process joins the Orleans cluster (section "Cluster", read by the Silo host and the gateway; not "Orleans", which Orleans reads itself).</summary>
public sealed class OrleansHostOptions
{
    public const string SectionName = "Cluster";

    /// <summary>Gateway only: co-host a silo or connect to a cluster as a client.</summary>
    public GatewayMode Mode { get; set; } = GatewayMode.Embedded;

    /// <summary>How silos and client gateways find each other: one machine, or membership in Redis.</summary>
    public ClusteringProvider Clustering { get; set; } = ClusteringProvider.Localhost;

    /// <summary>StackExchange.Redis configuration string, for <see cref="ClusteringProvider.Redis"/>.</summary>
    public string RedisConnectionString { get; set; } = "";

    /// <summary>Orleans' cluster id: processes with the same id form one cluster.</summary>
    public string ClusterId { get; set; } = "orleanschat";

    /// <summary>Orleans' service id: stored grain state is keyed by it, so keep it across deployments.</summary>
    public string ServiceId { get; set; } = "orleanschat";

    /// <summary>Silo-to-silo port.</summary>
    public int SiloPort { get; set; } = 11111;

    /// <summary>Port clients (gateways in Client mode) connect to; with Localhost clustering, also the port a client dials.</summary>
    public int GatewayPort { get; set; } = 30000;

    /// <summary>The address a silo advertises to the others (default: loopback with Localhost clustering, else this host's first IPv4).</summary>
    public string? AdvertisedIPAddress { get; set; }

    /// <summary>
    /// Silo only: run under Orleans' Kubernetes hosting (pod name, namespace and IP from the downward API; watches
    /// pods and removes defunct silos). Needs POD_NAMESPACE, so it refuses to start outside a pod.
    /// </summary>
    public bool KubernetesHosting { get; set; }

    /// <summary>How long a process may take to leave the cluster once asked to stop (host shutdown timeout; a gateway adds Sockets:DrainTimeout).</summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How fast a crashed silo is declared dead and routed around (section "Cluster:FailureDetection").</summary>
    public FailureDetectionOptions FailureDetection { get; set; } = new();

    public static OrleansHostOptions From(Microsoft.Extensions.Configuration.IConfiguration configuration)
    {
        var options = new OrleansHostOptions();
        Microsoft.Extensions.Configuration.ConfigurationBinder.Bind(configuration.GetSection(SectionName), options);
        if (options.Clustering == ClusteringProvider.Redis && string.IsNullOrWhiteSpace(options.RedisConnectionString))
        {
            throw new InvalidOperationException("Cluster:Clustering is Redis but Cluster:RedisConnectionString is empty");
        }

        if (options.KubernetesHosting && options.Clustering != ClusteringProvider.Redis)
        {
            throw new InvalidOperationException("Cluster:KubernetesHosting needs Cluster:Clustering Redis (pods find each other through Redis membership)");
        }

        options.FailureDetection.Validate();
        return options;
    }
}
