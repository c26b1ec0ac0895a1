using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OrleansChat.Tests.Cluster;
using OrleansChat.Tests.Reliability.Chaos;
using Xunit.Abstractions;

namespace OrleansChat.Tests.Reliability;

/// <summary>
/// The chaos suite (<see cref="ChaosRun"/>): real silo and gateway processes, users resending unacknowledged sends
/// with the same id and syncing on reconnect, scripted faults. The CI-sized run (a silo kill and a gateway kill,
/// fast failure detection) is part of the test command and must lose, duplicate and skip nothing. The full run
/// (bench/chaos/run.sh sets <see cref="FullRunVariable"/>) takes the prod overlay's failure detection (Orleans'
/// defaults) and every fault, and prints the table docs/reliability.md quotes.
/// </summary>
[Collection(ProductionBackendsGroup.Name)]
public sealed class ChaosSuiteTests(ProductionBackends backends, ITestOutputHelper output)
{
    public const string FullRunVariable = "ORLEANSCHAT_CHAOS";

    public const string ProgressLogVariable = "ORLEANSCHAT_CHAOS_LOG";

    /// <summary>Set by <c>bench/chaos/run.sh --only PARTS</c>: which faults of the full run to apply.</summary>
    public const string OnlyVariable = "ORLEANSCHAT_CHAOS_ONLY";


    [Fact]
    public async Task A_silo_kill_and_a_gateway_kill_lose_duplicate_and_skip_nothing()
    {
        await using var cluster = await ChaosCluster.StartAsync(backends, silos: 2, gateways: 2, ProductionCluster.FastFailureDetection);
        var run = new ChaosRun(cluster, users: 8, rooms: 4) { RecoveryWindow = TimeSpan.FromSeconds(40), Calm = TimeSpan.FromSeconds(3) };
        var report = await RunAsync(cluster, run, [ChaosFault.KillSilo(0), ChaosFault.KillGateway(0)]);

        Assert.True(report.Audit.Acked > 0, "nothing was acknowledged");
        Assert.Equal(0, report.Audit.Lost);
        Assert.Equal(0, report.Audit.Duplicated);
        Assert.Equal(0, report.Audit.Gaps);
        Assert.Equal(0, report.Audit.Disagreements);
        Assert.All(report.Faults.Skip(1), f => Assert.True(f.AcksBackAfter is not null, $"{f.Name}: not every user was acknowledged again"));
    }

    [SkippableFact]
    public async Task Full_run_with_the_prod_failure_detection()
    {
        Skip.If(Environment.GetEnvironmentVariable(FullRunVariable) != "full", $"the full chaos run: bench/chaos/run.sh (sets {FullRunVariable}=full)");
        await using var cluster = await ChaosCluster.StartAsync(backends, silos: 2, gateways: 2, ProdFailureDetection());
        var run = new ChaosRun(cluster, users: 12, rooms: 6) { RecoveryWindow = TimeSpan.FromSeconds(90), Calm = TimeSpan.FromSeconds(5) };
        ChaosFault[] script =
        [
            ChaosFault.KillSilo(0), ChaosFault.RestartSilo(0),
            ChaosFault.RedisDown(TimeSpan.FromSeconds(5)), // early: the kills and restarts after it need the membership it lost
            ChaosFault.KillGateway(0), ChaosFault.RestartGateway(0),
            ChaosFault.KillSiloAndGateway(1, 1), ChaosFault.RestartSilo(1), ChaosFault.RestartGateway(1),
            ChaosFault.PostgresDown(TimeSpan.FromSeconds(5)),
            ChaosFault.SlowDatabase(TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(15)),
        ];
        var report = await RunAsync(cluster, run, [.. script.Where(Selected)]);

        Assert.Equal(0, report.Audit.Lost);
        Assert.Equal(0, report.Audit.Duplicated);
        Assert.Equal(0, report.Audit.Gaps);
    }

    /// <summary>
    /// Whether a fault of the full script runs: all of them, unless <see cref="OnlyVariable"/> names some (comma-separated
    /// parts of their names, e.g. <c>redis,PostgreSQL</c>), to look at a few faults without the whole run.
    /// </summary>
    private static bool Selected(ChaosFault fault) =>
        Environment.GetEnvironmentVariable(OnlyVariable) is not { Length: > 0 } only
        || only.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Any(part => fault.Name.Contains(part, StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// The shipped settings are the tested settings: the failure detection the prod overlay sets
    /// (<c>Cluster__FailureDetection__*</c> in k8s/overlays/prod/kustomization.yaml), read from the file itself.
    /// </summary>
    internal static Dictionary<string, string> ProdFailureDetection()
    {
        var overlay = Path.Combine(OrleansChat.Tests.Deploy.Kustomize.RepositoryRoot(), "k8s", "overlays", "prod", "kustomization.yaml");
        var settings = File.ReadLines(overlay)
            .Select(line => line.Trim().TrimStart('-').Trim())
            .Where(line => line.StartsWith("Cluster__FailureDetection__", StringComparison.Ordinal))
            .Select(line => line.Split('=', 2))
            .ToDictionary(pair => pair[0].Replace("__", ":", StringComparison.Ordinal), pair => pair[1]);
        Assert.NotEmpty(settings);
        return settings;
    }

    [SkippableFact]
    public async Task Soak_with_churn()
    {
        Skip.If(Environment.GetEnvironmentVariable(FullRunVariable) != "soak", $"the soak: bench/chaos/run.sh --soak MINUTES (sets {FullRunVariable}=soak)");
        var minutes = double.Parse(Environment.GetEnvironmentVariable("ORLEANSCHAT_SOAK_MINUTES") ?? "30", System.Globalization.CultureInfo.InvariantCulture);
        await using var cluster = await ChaosCluster.StartAsync(backends, silos: 2, gateways: 2, new Dictionary<string, string>());
        using var client = await ResourceSample.ClusterClientAsync(cluster);
        var soak = new SoakRun(cluster, client.Services.GetRequiredService<IGrainFactory>());
        var samples = await soak.RunAsync(TimeSpan.FromMinutes(minutes), Log);
        Log($"{soak.Cycles} churn cycles (connect, join, 3 sends, leave, disconnect), {soak.Failures} failed");
        Log(ResourceSample.ToTable(samples));
        await client.StopAsync();
        Assert.Equal(0, soak.Failures);
    }

    /// <summary>To the test output and, as it happens, to the file bench/chaos/run.sh names (a run cut short still says how far it got).</summary>
    private void Log(string line)
    {
        output.WriteLine(line);
        if (Environment.GetEnvironmentVariable(ProgressLogVariable) is { Length: > 0 } path)
        {
            File.AppendAllText(path, line + Environment.NewLine);
        }
    }

    private async Task<ChaosReport> RunAsync(ChaosCluster cluster, ChaosRun run, IReadOnlyList<ChaosFault> faults)
    {
        try
        {
            var report = await run.RunAsync(faults, Log);
            Log(report.ToTable());
            Log(report.Audit.ToString());
            return report;
        }
        catch (Exception e) when (e is not Xunit.Sdk.XunitException)
        {
            throw new InvalidOperationException("chaos run failed; process output:\n" + cluster.Output(), e);
        }
    }
}
