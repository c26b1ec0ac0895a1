using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;

namespace OrleansChat.Hosting.Clustering;

/// <summary>Cluster membership for silos and for client gateways, chosen by <see cref="OrleansHostOptions.Clustering"/>.</summary>
public static class ClusteringExtensions
{
    public static ISiloBuilder UseChatClustering(this ISiloBuilder silo, OrleansHostOptions options)
    {
        ConfigureFailureDetection(silo, options.FailureDetection);
        if (options.Clustering == ClusteringProvider.Localhost)
        {
            return silo.UseLocalhostClustering(options.SiloPort, options.GatewayPort, serviceId: options.ServiceId, clusterId: options.ClusterId);
        }

        silo.Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = (options.ClusterId, options.ServiceId));
        silo.ConfigureEndpoints(AdvertisedAddress(options), options.SiloPort, options.GatewayPort, listenOnAnyHostAddress: true);
        silo.UseRedisClustering(options.RedisConnectionString);
        silo.Services.AddHostedService<MembershipRowKeeper>(); // redis may come back empty: see the class
        return options.KubernetesHosting ? silo.UseChatKubernetesHosting() : silo;
    }

    public static IClientBuilder UseChatClustering(this IClientBuilder client, OrleansHostOptions options)
    {
        ConfigureFailureDetection(client, options.FailureDetection);
        if (options.Clustering == ClusteringProvider.Localhost)
        {
            return client.UseLocalhostClustering(options.GatewayPort, options.ServiceId, options.ClusterId);
        }

        client.Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = (options.ClusterId, options.ServiceId));
        return client.UseRedisClustering(options.RedisConnectionString);
    }

    /// <summary>Orleans' Kubernetes hosting, which only works in a pod: outside one, say so instead of failing obscurely.</summary>
    private static ISiloBuilder UseChatKubernetesHosting(this ISiloBuilder silo)
    {
        if (string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(Orleans.Hosting.Kubernetes.KubernetesHostingOptions.PodNamespaceEnvironmentVariable)))
        {
            throw new InvalidOperationException(
                "Cluster:KubernetesHosting is true but POD_NAMESPACE is not set: it only runs in a Kubernetes pod " +
                "(set POD_NAME, POD_NAMESPACE and POD_IP through the downward API), or turn it off.");
        }

        // A silo the cluster declared dead (hung, partitioned) cannot rejoin under its old identity: deleting its pod
        // lets the Deployment replace it at once instead of leaving a pod that looks Running but serves nothing.
        return silo.UseKubernetesHosting(o => o.Configure(k => k.DeleteDefunctSiloPods = true));
    }

    private static void ConfigureFailureDetection(ISiloBuilder silo, FailureDetectionOptions failure)
    {
        silo.Configure<ClusterMembershipOptions>(o =>
        {
            o.ProbeTimeout = failure.ProbeTimeout;
            o.NumMissedProbesLimit = failure.NumMissedProbesLimit;
            o.NumVotesForDeathDeclaration = failure.NumVotesForDeathDeclaration;
            o.TableRefreshTimeout = failure.TableRefreshTimeout;
        });
        silo.Configure<SiloMessagingOptions>(o => o.ResponseTimeout = failure.ResponseTimeout);
    }

    /// <summary>
    /// How often a client gateway asks for a newer cluster manifest (the grain types the silos host). A gateway that
    /// connects while the silos are still joining can get a manifest without the chat grains and, with Orleans'
    /// default of a minute, answers every connection "no implementation for IUserGrain" until the next refresh (seen
    /// when gateways and silos start together, as in a full restart). The call returns nothing when the manifest did
    /// not change, so asking every few seconds costs next to nothing.
    /// </summary>
    public static readonly TimeSpan ClientManifestRefresh = TimeSpan.FromSeconds(5);

    private static void ConfigureFailureDetection(IClientBuilder client, FailureDetectionOptions failure)
    {
        client.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = failure.ResponseTimeout);
        client.Configure<GatewayOptions>(o => o.GatewayListRefreshPeriod = failure.GatewayListRefreshPeriod);
        client.Configure<TypeManagementOptions>(o => o.TypeMapRefreshInterval = ClientManifestRefresh);
    }

    private static IPAddress AdvertisedAddress(OrleansHostOptions options)
    {
        if (!string.IsNullOrWhiteSpace(options.AdvertisedIPAddress))
        {
            return IPAddress.Parse(options.AdvertisedIPAddress);
        }

        return Dns.GetHostAddresses(Dns.GetHostName()).FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(a))
            ?? IPAddress.Loopback;
    }
}
