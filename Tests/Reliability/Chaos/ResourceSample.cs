using System.Globalization;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;
using Orleans.Configuration;

namespace OrleansChat.Tests.Reliability.Chaos;

/// <summary>One process's resources at one moment, read from /proc (Linux).</summary>
public sealed record ProcessResources(string Name, double RssMb, int Threads, int Sockets);

/// <summary>
/// The soak's sample: every process's resources, the cluster's grain activations, the chat database's connections,
/// and each silo's managed heap (what the GC holds in objects and fragments, without what it has not given back to
/// the system: RSS alone cannot tell a slow leak from a lazy heap), in silo port order.
/// </summary>
public sealed record ResourceSample(string Label, IReadOnlyList<ProcessResources> Processes, int Activations, int DatabaseConnections, IReadOnlyList<double> SiloHeapsMb)
{
    public static async Task<ResourceSample> TakeAsync(string label, ChaosCluster cluster, IGrainFactory grains)
    {
        var processes = cluster.Processes.Select(p => Read(p.Name, p.Pid)).ToList();
        var management = grains.GetGrain<IManagementGrain>(0);
        var statistics = await management.GetSimpleGrainStatistics();
        var silos = (await management.GetHosts(onlyActive: true)).Keys.OrderBy(s => s.Endpoint.Port).ToArray();
        var heaps = (await management.GetRuntimeStatistics(silos)).Select(r => r.EnvironmentStatistics.RawMemoryUsageBytes / 1048576.0).ToList();
        return new ResourceSample(label, processes, statistics.Sum(s => s.ActivationCount), await DatabaseConnectionsAsync(cluster), heaps);
    }

    /// <summary>A table with one row per sample, one column group per process.</summary>
    public static string ToTable(IReadOnlyList<ResourceSample> samples)
    {
        var names = samples[0].Processes.Select(p => p.Name).ToList();
        var text = new StringBuilder("| sample | activations | DB connections | silos' managed heap MB | ");
        text.AppendJoin(" | ", names.Select(n => $"{n}: RSS MB / threads / sockets")).AppendLine(" |");
        text.Append("|---|---:|---:|---:|").Append(string.Concat(names.Select(_ => "---:|"))).AppendLine();
        foreach (var sample in samples)
        {
            var heaps = string.Join(" / ", sample.SiloHeapsMb.Select(h => h.ToString("0", CultureInfo.InvariantCulture)));
            text.Append(CultureInfo.InvariantCulture, $"| {sample.Label} | {sample.Activations} | {sample.DatabaseConnections} | {heaps} | ");
            text.AppendJoin(" | ", names.Select(n => sample.Processes.FirstOrDefault(p => p.Name == n) is { } p
                ? string.Create(CultureInfo.InvariantCulture, $"{p.RssMb:0} / {p.Threads} / {p.Sockets}") : "-")).AppendLine(" |");
        }

        return text.ToString();
    }

    /// <summary>An Orleans client of the chaos cluster (for the management grain); dispose the host after.</summary>
    public static async Task<IHost> ClusterClientAsync(ChaosCluster cluster)
    {
        var host = new HostBuilder().UseOrleansClient(client =>
        {
            client.Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = (cluster.Settings["Cluster:ClusterId"], cluster.Settings["Cluster:ServiceId"]));
            client.UseRedisClustering(cluster.Backends.Redis.ConnectionString);
        }).Build();
        await host.StartAsync();
        return host;
    }

    private static ProcessResources Read(string name, int pid)
    {
        var status = File.ReadAllLines($"/proc/{pid}/status");
        double Field(string key) => double.Parse(status.First(l => l.StartsWith(key, StringComparison.Ordinal)).Split(':')[1].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
        var sockets = 0;
        foreach (var fd in Directory.EnumerateFileSystemEntries($"/proc/{pid}/fd"))
        {
            try
            {
                sockets += new FileInfo(fd).LinkTarget?.StartsWith("socket:", StringComparison.Ordinal) == true ? 1 : 0;
            }
            catch (IOException)
            {
                // closed while we looked
            }
        }

        return new ProcessResources(name, Field("VmRSS") / 1024, (int)Field("Threads"), sockets);
    }

    private static async Task<int> DatabaseConnectionsAsync(ChaosCluster cluster)
    {
        var connectionString = cluster.Settings["MessageLog:Postgres:ConnectionString"];
        var database = new NpgsqlConnectionStringBuilder(connectionString).Database;
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var count = new NpgsqlCommand("select count(*) from pg_stat_activity where datname = @db and pid <> pg_backend_pid()", connection);
        count.Parameters.AddWithValue("db", database!);
        return (int)(long)(await count.ExecuteScalarAsync())!;
    }
}
