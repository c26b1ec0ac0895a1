using System.Globalization;
using k8s.Models;
using Microsoft.Extensions.Configuration;
using OrleansChat.Grains.Hosting;
using OrleansChat.Hosting.Clustering;

namespace OrleansChat.Tests.Deploy;

/// <summary>Start order, probes and failure detection of the rendered overlays.</summary>
public sealed class ResilienceManifestTests
{
    /// <summary>A stop-the-world GC pause on a large heap, or a CPU-throttled moment, must not fail a probe.</summary>
    private const int MinimumProbeTimeoutSeconds = 2;

    public static TheoryData<string> Overlays => new(Kustomize.Overlays);

    [SkippableTheory]
    [MemberData(nameof(Overlays))]
    public void Probes_survive_a_GC_pause_and_liveness_is_slower_than_readiness(string overlay)
    {
        var manifests = Kustomize.RenderOverlay(overlay);
        foreach (var deployment in new[] { manifests.Silo, manifests.Gateway })
        {
            var container = deployment.Spec.Template.Spec.Containers.Single();
            foreach (var probe in new[] { container.StartupProbe, container.LivenessProbe, container.ReadinessProbe })
            {
                Assert.True(probe.TimeoutSeconds >= MinimumProbeTimeoutSeconds, $"{deployment.Metadata.Name}: probe timeout {probe.TimeoutSeconds}s");
                Assert.Equal("ops", probe.HttpGet.Port.Value);
            }

            var live = container.LivenessProbe;
            Assert.True(live.PeriodSeconds * live.FailureThreshold >= 30, "a process is killed only after 30 s without an answer");
        }
    }

    [SkippableTheory]
    [MemberData(nameof(Overlays))]
    public void Silos_start_only_after_the_schema_migration_ran(string overlay)
    {
        var manifests = Kustomize.RenderOverlay(overlay);
        var pod = manifests.Silo.Spec.Template.Spec;
        var migrate = Assert.Single(pod.InitContainers);
        Assert.Equal(["migrate"], migrate.Args);
        Assert.Equal(pod.Containers.Single().Image, migrate.Image);
        var env = manifests.Environment(migrate);
        Assert.False(string.IsNullOrEmpty(env["Storage__Postgres__ConnectionString"]));
        Assert.True(int.Parse(env["Storage__Postgres__MigrationWaitSeconds"]!, CultureInfo.InvariantCulture) >= 60, "the migration waits for a starting database");
        Assert.DoesNotContain(manifests.All<V1Job>(), j => j.Metadata.Name.StartsWith("orleanschat", StringComparison.Ordinal));
    }

    [SkippableFact]
    public void Prod_failure_detection_declares_a_silent_silo_dead_within_seconds()
    {
        var manifests = Kustomize.RenderOverlay("prod");
        var env = manifests.Environment(manifests.Silo.Spec.Template.Spec.Containers.Single());
        var options = OrleansHostOptions.From(new ConfigurationBuilder()
            .AddInMemoryCollection(env.Where(kv => kv.Key.StartsWith("Cluster__", StringComparison.Ordinal))
                .Select(kv => KeyValuePair.Create(kv.Key.Replace("__", ":", StringComparison.Ordinal), kv.Value)))
            .Build());
        var failure = options.FailureDetection;
        var suspected = failure.ProbeTimeout * failure.NumMissedProbesLimit;
        Assert.InRange(suspected, TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(10));
        Assert.True(failure.ResponseTimeout <= TimeSpan.FromSeconds(15));
        Assert.True(failure.NumVotesForDeathDeclaration >= 2, "one silo's opinion alone never kills another");

        // The gateways read the same ConfigMap, so their calls and gateway lists follow the same timing.
        Assert.Equal(env["Cluster__FailureDetection__ResponseTimeout"], manifests.Environment(manifests.Gateway.Spec.Template.Spec.Containers.Single())["Cluster__FailureDetection__ResponseTimeout"]);
    }
}
