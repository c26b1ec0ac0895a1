using Orleans.TestingHost;

namespace OrleansChat.Tests.Infrastructure;

/// <summary>
/// Starting and stopping a TestCluster of a fixture's or test class's own: its silos in this process, configured by
/// <typeparamref name="TConfigurator"/> (whose static services the silos share, as silos share a database).
/// </summary>
public static class OwnTestCluster
{
    public static async Task<TestCluster> StartAsync<TConfigurator>(short silos, Action<TestClusterBuilder>? configure = null)
        where TConfigurator : ISiloConfigurator, new()
    {
        var builder = new TestClusterBuilder(silos);
        configure?.Invoke(builder);
        builder.AddSiloBuilderConfigurator<TConfigurator>();
        var cluster = builder.Build();
        await cluster.DeployAsync();
        return cluster;
    }

    /// <summary>Stops every silo, then the cluster; nothing to do for a cluster that never started.</summary>
    public static async Task StopAsync(TestCluster? cluster)
    {
        if (cluster is null)
        {
            return;
        }

        await cluster.StopAllSilosAsync();
        await cluster.DisposeAsync();
    }
}
