using OrleansChat.Gateway.Observability;
using OrleansChat.Grains.Hosting;
using OrleansChat.Hosting.Clustering;
using OrleansChat.Hosting.Operations;


namespace OrleansChat.Gateway.Hosting;

/// <summary>Chooses how the gateway reaches the grains: by co-hosting a silo, or as a client of a cluster.</summary>
public static class OrleansHosting
{
    public static WebApplicationBuilder AddChatOrleans(this WebApplicationBuilder builder)
    {
        var options = OrleansHostOptions.From(builder.Configuration);
        switch (options.Mode)
        {
            case GatewayMode.Embedded:
                builder.UseOrleans(silo => silo.UseChatClustering(options).AddChatGrains(builder.Configuration).AddChatDashboard(builder.Configuration));
                break;
            case GatewayMode.Client:
                AddClusterClient(builder, options);
                break;
            default:
                throw new InvalidOperationException($"Cluster:Mode must be Embedded or Client, not {options.Mode}");
        }

        return builder;
    }

    /// <summary>
    /// A client that retries until a silo answers (<see cref="ClusterConnectionRetryFilter"/>) and reports how many silo
    /// gateways it holds (<see cref="ClusterConnectionState"/>, for readiness). Hosted services start concurrently so
    /// Kestrel serves <c>/healthz</c> (liveness) and a failing <c>/readyz</c> while the client is still retrying;
    /// started one after another, the server would wait for the cluster and the liveness probe would kill the pod.
    /// </summary>
    private static void AddClusterClient(WebApplicationBuilder builder, OrleansHostOptions options)
    {
        var state = new ClusterConnectionState();
        builder.Services.AddSingleton(state);
        builder.Services.Configure<HostOptions>(o => o.ServicesStartConcurrently = true);
        builder.UseOrleansClient(client => client.UseChatClustering(options)
            .UseConnectionRetryFilter<ClusterConnectionRetryFilter>()
            .AddClusterConnectionStatusObserver(state)
            .AddChatDashboard(builder.Configuration));
    }
}
