using OrleansChat.Tests.Infrastructure;

namespace OrleansChat.Tests.Cluster;

/// <summary>
/// The production profile started for a test: <c>Silo</c> processes clustered over the run's Redis with grain
/// state in PostgreSQL, and an in-process gateway in Client mode in front of them. Disposing kills every silo.
/// </summary>
public sealed class ProductionCluster : IAsyncDisposable
{
    private ProductionCluster(GatewayServer gateway, IReadOnlyList<Silo> silos) => (Gateway, Silos) = (gateway, silos);

    /// <summary>Failure detection small enough that a killed silo is declared dead within a few seconds (test speed).</summary>
    public static IReadOnlyDictionary<string, string> FastFailureDetection { get; } = new Dictionary<string, string>
    {
        ["Cluster:FailureDetection:ProbeTimeout"] = "00:00:01",
        ["Cluster:FailureDetection:NumMissedProbesLimit"] = "2",
        ["Cluster:FailureDetection:NumVotesForDeathDeclaration"] = "1",
        ["Cluster:FailureDetection:TableRefreshTimeout"] = "00:00:02",
        ["Cluster:FailureDetection:ResponseTimeout"] = "00:00:03",
        ["Cluster:FailureDetection:GatewayListRefreshPeriod"] = "00:00:01",
    };

    public GatewayServer Gateway { get; }

    public IReadOnlyList<Silo> Silos { get; }

    /// <summary>A silo process and the silo-to-silo port it listens on (how Orleans names it: 127.0.0.1:port).</summary>
    public sealed record Silo(SiloProcess Process, int SiloPort);

    /// <summary>A new database with the schema applied by a real <c>Silo migrate</c> run; returns its connection string.</summary>
    public static async Task<string> CreateMigratedDatabaseAsync(PostgresServer postgres)
    {
        var database = await postgres.CreateDatabaseAsync("chat_" + Guid.NewGuid().ToString("N")[..8]);
        await using var migrate = SiloProcess.Start(new Dictionary<string, string> { ["connection"] = database }, "migrate");
        Assert.True(await migrate.WaitForExitAsync(TimeSpan.FromSeconds(60)) == 0, migrate.Output);
        return database;
    }

    /// <summary>
    /// Starts <paramref name="silos"/> silo processes and the gateway. <paramref name="settings"/> go to every process
    /// (silos and gateway alike), on top of the clustering and grain-storage settings.
    /// </summary>
    public static async Task<ProductionCluster> StartAsync(
        ProductionBackends backends, string database, string serviceId, int silos, IReadOnlyDictionary<string, string>? settings = null)
    {
        var common = new Dictionary<string, string>
        {
            ["Cluster:Clustering"] = "Redis",
            ["Cluster:RedisConnectionString"] = backends.Redis.ConnectionString,
            ["Cluster:ClusterId"] = "c-" + Guid.NewGuid().ToString("N")[..8],
            ["Cluster:ServiceId"] = serviceId,
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            common[key] = value;
        }

        var processes = new List<Silo>();
        for (var i = 0; i < silos; i++)
        {
            var siloPort = FreePort.Next();
            processes.Add(new Silo(SiloProcess.Start(new Dictionary<string, string>(common)
            {
                ["Cluster:SiloPort"] = SiloProcess.Port(siloPort),
                ["Cluster:GatewayPort"] = SiloProcess.Port(FreePort.Next()),
                ["Cluster:AdvertisedIPAddress"] = "127.0.0.1",
                ["Storage:Provider"] = "Postgres",
                ["Storage:Postgres:ConnectionString"] = database,
            }), siloPort));
        }

        try
        {
            var gateway = await GatewayServer.StartAsync(new Dictionary<string, string?>(common.Select(kv => KeyValuePair.Create(kv.Key, (string?)kv.Value)))
            {
                ["Cluster:Mode"] = "Client",
            });
            return new ProductionCluster(gateway, processes);
        }
        catch (Exception e)
        {
            var output = string.Join("\n---\n", processes.Select(p => p.Process.Output));
            foreach (var silo in processes)
            {
                await silo.Process.DisposeAsync();
            }

            throw new InvalidOperationException("the cluster did not start; silo output:\n" + output, e);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Gateway.DisposeAsync();
        foreach (var silo in Silos)
        {
            await silo.Process.DisposeAsync();
        }
    }
}
