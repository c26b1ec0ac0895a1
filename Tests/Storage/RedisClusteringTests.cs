using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Hosting;
using Orleans.Runtime;
using Orleans.TestingHost;
using OrleansChat.Tests.Infrastructure;
using StackExchange.Redis;

namespace OrleansChat.Tests.Storage;

/// <summary>Silos and the client find each other through Orleans' Redis membership table.</summary>
[Collection(RedisFixtureDefinition.Name)]
public sealed class RedisClusteringTests(RedisServer redis)
{
    private const string RedisKey = "Clustering:Redis:ConnectionString";

    public sealed class RedisSiloConfigurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder siloBuilder) =>
            siloBuilder.UseRedisClustering(siloBuilder.Configuration[RedisKey]!);
    }

    public sealed class RedisClientConfigurator : IClientBuilderConfigurator
    {
        public void Configure(IConfiguration configuration, IClientBuilder clientBuilder) =>
            clientBuilder.UseRedisClustering(configuration[RedisKey]!);
    }

    [Fact]
    public async Task Two_silos_form_a_cluster_over_Redis_and_both_serve_grain_calls()
    {
        var builder = new TestClusterBuilder(2);
        builder.Options.UseTestClusterMembership = false;
        builder.ConfigureHostConfiguration(config => config.AddInMemoryCollection(new Dictionary<string, string?>
        {
            [RedisKey] = redis.ConnectionString,
        }));
        builder.AddSiloBuilderConfigurator<RedisSiloConfigurator>();
        builder.AddClientBuilderConfigurator<RedisClientConfigurator>();
        var cluster = builder.Build();
        try
        {
            await cluster.DeployAsync();

            var management = cluster.GrainFactory.GetGrain<IManagementGrain>(0);
            var active = await management.GetHosts(onlyActive: true);
            Assert.Equal(2, active.Count);
            Assert.All(cluster.Silos, s => Assert.Contains(s.SiloAddress, active.Keys));

            // The membership table really lives in our Redis (not in the test cluster's built-in membership).
            await using (var connection = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString))
            {
                var keys = connection.GetServer(connection.GetEndPoints()[0]).Keys(pattern: $"*{cluster.Options.ClusterId}*").ToList();
                Assert.NotEmpty(keys);
            }

            // Random placement over 2 silos: 40 grains all on one silo would be a 1-in-2^39 fluke.
            var seen = new HashSet<string>(StringComparer.Ordinal);
            for (var i = 0; i < 40; i++)
            {
                seen.Add(await cluster.GrainFactory.GetGrain<ISiloEchoGrain>(i).WhereAmI());
            }

            Assert.Equal(2, seen.Count);

            // And calls issued from inside each silo reach grains too.
            foreach (var silo in cluster.Silos)
            {
                var grainFactory = cluster.GetSiloServiceProvider(silo.SiloAddress).GetRequiredService<IGrainFactory>();
                Assert.False(string.IsNullOrEmpty(await grainFactory.GetGrain<ISiloEchoGrain>(1000).WhereAmI()));
            }
        }
        finally
        {
            await cluster.StopAllSilosAsync();
            await cluster.DisposeAsync();
        }
    }
}
