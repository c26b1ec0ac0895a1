using Npgsql;
using OrleansChat.Tests.Cluster;
using OrleansChat.Tests.Infrastructure;

namespace OrleansChat.Tests.Reliability.Chaos;

/// <summary>
/// The deployed shape on loopback, for faults: <c>Silo</c> processes (Redis clustering, PostgreSQL grain state and
/// message log) and Client-mode <c>Gateway.Web</c> processes, each of which can be killed (-9) and started again on
/// its ports; PostgreSQL and redis can be stopped and started again under them, and every process reaches PostgreSQL
/// through a <see cref="LatencyProxy"/> that can make it slow. Disposing kills every process.
/// </summary>
public sealed class ChaosCluster : IAsyncDisposable
{
    private readonly List<SiloSlot> _silos = [];

    private ChaosCluster(ProductionBackends backends, LatencyProxy databaseProxy, IReadOnlyList<GatewayProcess> gateways, IReadOnlyDictionary<string, string> settings) =>
        (Backends, DatabaseProxy, Gateways, Settings) = (backends, databaseProxy, gateways, settings);

    /// <summary>What every process was started with (cluster and service ids, the database).</summary>
    public IReadOnlyDictionary<string, string> Settings { get; }

    /// <summary>The running processes by name, for resource samples.</summary>
    public IEnumerable<(string Name, int Pid)> Processes =>
        _silos.Select((s, i) => (Name: $"silo {i}", Pid: s.Process is { HasExited: false } p ? p.Pid : 0))
            .Concat(Gateways.Select((g, i) => (Name: $"gateway {i}", Pid: g.Pid ?? 0)))
            .Where(p => p.Pid != 0);

    public ProductionBackends Backends { get; }

    /// <summary>Between every process and PostgreSQL (answers held back by its latency, zero unless a fault sets it).</summary>
    public LatencyProxy DatabaseProxy { get; }

    public IReadOnlyList<GatewayProcess> Gateways { get; }

    public int SiloCount => _silos.Count;

    /// <summary>Starts the silos, waits until they formed a cluster, then starts the gateways.</summary>
    public static async Task<ChaosCluster> StartAsync(ProductionBackends backends, int silos, int gateways, IReadOnlyDictionary<string, string> settings)
    {
        var proxy = new LatencyProxy(backends.Postgres.Port);
        var database = new NpgsqlConnectionStringBuilder(await ProductionCluster.CreateMigratedDatabaseAsync(backends.Postgres)) { Port = proxy.Port }.ConnectionString;
        var common = new Dictionary<string, string>(settings)
        {
            ["Cluster:Clustering"] = "Redis",
            ["Cluster:RedisConnectionString"] = backends.Redis.ConnectionString,
            ["Cluster:ClusterId"] = "chaos-" + Guid.NewGuid().ToString("N")[..8],
            ["Cluster:ServiceId"] = "chaos-" + Guid.NewGuid().ToString("N")[..8],
            ["MessageLog:Provider"] = "Postgres",
            ["MessageLog:Postgres:ConnectionString"] = database,
        };
        var gatewayProcesses = Enumerable.Range(0, gateways).Select(_ => new GatewayProcess(new Dictionary<string, string>(common) { ["Cluster:Mode"] = "Client" })).ToList();
        var cluster = new ChaosCluster(backends, proxy, gatewayProcesses, common);
        try
        {
            for (var i = 0; i < silos; i++)
            {
                var slot = new SiloSlot(new Dictionary<string, string>(common)
                {
                    ["Cluster:SiloPort"] = SiloProcess.Port(FreePort.Next()),
                    ["Cluster:GatewayPort"] = SiloProcess.Port(FreePort.Next()),
                    ["Cluster:AdvertisedIPAddress"] = "127.0.0.1",
                    ["Storage:Provider"] = "Postgres",
                    ["Storage:Postgres:ConnectionString"] = database,
                });
                slot.Start();
                cluster._silos.Add(slot);
            }

            foreach (var gateway in gatewayProcesses)
            {
                await gateway.StartAsync(TimeSpan.FromSeconds(90));
            }

            return cluster;
        }
        catch (Exception e)
        {
            var output = cluster.Output();
            await cluster.DisposeAsync();
            throw new InvalidOperationException("the chaos cluster did not start:\n" + output, e);
        }
    }

    public void KillSilo(int index) => _silos[index].Process!.Kill();

    /// <summary>Starts the silo again on its ports, as a supervisor (Kubernetes) would.</summary>
    public void RestartSilo(int index) => _silos[index].Start();

    public void KillGateway(int index) => Gateways[index].Kill();

    public Task RestartGatewayAsync(int index) => Gateways[index].StartAsync(TimeSpan.FromSeconds(90));

    public Task RestartPostgresAsync() => Backends.Postgres.RestartAsync();

    /// <summary>Every process's output, for failure messages.</summary>
    public string Output() =>
        string.Join("\n---\n", _silos.Select(s => "silo:\n" + s.Process?.Output).Concat(Gateways.Select(g => "gateway:\n" + g.Output)));

    public async ValueTask DisposeAsync()
    {
        foreach (var gateway in Gateways)
        {
            await gateway.DisposeAsync();
        }

        foreach (var silo in _silos)
        {
            await silo.DisposeAsync();
        }

        await DatabaseProxy.DisposeAsync();
    }

    /// <summary>One silo's place: its settings (ports included) and the process running there now, if any.</summary>
    private sealed class SiloSlot(IReadOnlyDictionary<string, string> settings) : IAsyncDisposable
    {
        private readonly List<SiloProcess> _dead = [];

        public SiloProcess? Process { get; private set; }

        public void Start()
        {
            if (Process is not null)
            {
                _dead.Add(Process);
            }

            Process = SiloProcess.Start(settings);
        }

        public async ValueTask DisposeAsync()
        {
            foreach (var process in _dead.Append(Process).OfType<SiloProcess>())
            {
                await process.DisposeAsync();
            }
        }
    }
}
