using System.Globalization;
using OrleansChat.Grains.Hosting;
using OrleansChat.Grains.MessageLog.Postgres;
using k8s.Models;

namespace OrleansChat.Tests.Deploy;

/// <summary>
/// docs/deploy.md's connection budget, checked on each rendered overlay: every silo the HPA may run (plus the rolling
/// update's surge) with its PostgreSQL pools, plus the migrate init container and the admin headroom, fits the
/// <c>max_connections</c> the overlay states (annotation <see cref="MaxConnectionsAnnotation"/> on the silo Deployment).
/// The pool sizes are worked out by the silo's own code from the rendered settings.
/// </summary>
public sealed class ConnectionBudgetManifestTests
{
    public const string MaxConnectionsAnnotation = "orleanschat/postgres-max-connections";

    /// <summary>PostgreSQL's <c>superuser_reserved_connections</c> default: not available to the app's role.</summary>
    public const int SuperuserReserved = 3;

    /// <summary>The migrate init container: <c>PostgresSchemaMigrator</c> opens exactly one connection.</summary>
    public const int Migrate = 1;

    /// <summary>Kept free for people and tools: psql, backups, monitoring, a second migrate retried by hand.</summary>
    public const int AdminHeadroom = 10;

    public static TheoryData<string> Overlays => new(Kustomize.Overlays);

    [SkippableTheory]
    [MemberData(nameof(Overlays))]
    public void Every_silo_the_HPA_may_run_fits_the_servers_max_connections(string overlay)
    {
        var manifests = Kustomize.RenderOverlay(overlay);
        var maxConnections = MaxConnections(manifests);
        var silos = MaxSilos(manifests);
        var perSilo = PoolsPerSilo(manifests.Environment(manifests.Silo.Spec.Template.Spec.Containers.Single()));
        var needed = (silos * perSilo) + Migrate + AdminHeadroom;
        Assert.True(needed <= maxConnections - SuperuserReserved,
            $"{overlay}: {silos} silos x {perSilo} + migrate {Migrate} + headroom {AdminHeadroom} = {needed} > "
            + $"max_connections {maxConnections} - {SuperuserReserved} reserved");
    }

    [SkippableTheory]
    [MemberData(nameof(Overlays))]
    public void The_overlay_sizes_its_pools_explicitly_and_gateways_open_none(string overlay)
    {
        var manifests = Kustomize.RenderOverlay(overlay);
        var silo = manifests.Environment(manifests.Silo.Spec.Template.Spec.Containers.Single());
        Assert.Contains("Storage__Postgres__MaxPoolSize", silo.Keys);
        if (silo.GetValueOrDefault("MessageLog__Provider") == "Postgres")
        {
            Assert.Contains("MessageLog__Postgres__MaxPoolSize", silo.Keys);
        }

        // In Client mode a gateway is an Orleans client: no grain storage, no message log, no database connection.
        Assert.Equal("Client", manifests.Environment(manifests.Gateway.Spec.Template.Spec.Containers.Single())["Cluster__Mode"]);
    }

    [SkippableFact]
    public void The_dev_database_runs_with_the_max_connections_the_budget_assumes()
    {
        var manifests = Kustomize.RenderOverlay("dev");
        var postgres = manifests.Named<V1StatefulSet>("postgres").Spec.Template.Spec.Containers.Single();
        Assert.Contains($"max_connections={MaxConnections(manifests)}", postgres.Args);
    }

    [Fact]
    public void The_budget_counts_both_pools_only_when_the_log_is_in_postgres()
    {
        var storageOnly = new Dictionary<string, string?> { ["Storage__Provider"] = "Postgres", ["Storage__Postgres__MaxPoolSize"] = "6" };
        Assert.Equal(6, PoolsPerSilo(storageOnly));
        Assert.Equal(6 + PostgresMessageLogOptions.DefaultMaxPoolSize,
            PoolsPerSilo(new Dictionary<string, string?>(storageOnly) { ["MessageLog__Provider"] = "Postgres" }));
        Assert.Equal(PostgresStorageOptions.DefaultMaxPoolSize, PoolsPerSilo(new Dictionary<string, string?> { ["Storage__Provider"] = "Postgres" }));
        Assert.Equal(0, PoolsPerSilo(new Dictionary<string, string?>()));
    }

    private static int MaxConnections(Manifests manifests) =>
        manifests.Silo.Metadata.Annotations?.TryGetValue(MaxConnectionsAnnotation, out var value) == true
            ? int.Parse(value, CultureInfo.InvariantCulture)
            : throw new Xunit.Sdk.XunitException($"the silo Deployment must state annotation {MaxConnectionsAnnotation}");

    /// <summary>The HPA's maximum, plus the pods a rolling update starts beside them.</summary>
    private static int MaxSilos(Manifests manifests)
    {
        var hpa = manifests.Named<V2HorizontalPodAutoscaler>("orleanschat-silo");
        var surge = manifests.Silo.Spec.Strategy.RollingUpdate.MaxSurge.Value;
        Assert.True(int.TryParse(surge, CultureInfo.InvariantCulture, out var extra), $"maxSurge '{surge}' must be a pod count for this check");
        return hpa.Spec.MaxReplicas + extra;
    }

    /// <summary>One silo's connections: the sizes its own option classes give for the rendered settings.</summary>
    private static int PoolsPerSilo(IReadOnlyDictionary<string, string?> env)
    {
        // Prod's connection strings live in an operator-made Secret that is not rendered: a stand-in has no pool size.
        var storage = env.GetValueOrDefault("Storage__Provider") != "Postgres" ? 0 : PostgresPoolSize.Of(new PostgresStorageOptions
        {
            ConnectionString = env.GetValueOrDefault("Storage__Postgres__ConnectionString") ?? "Host=managed",
            MaxPoolSize = Number(env, "Storage__Postgres__MaxPoolSize"),
        }.PooledConnectionString());
        var log = env.GetValueOrDefault("MessageLog__Provider") != "Postgres" ? 0 : PostgresPoolSize.Of(new PostgresMessageLogOptions
        {
            ConnectionString = env.GetValueOrDefault("MessageLog__Postgres__ConnectionString") ?? "Host=managed",
            MaxPoolSize = Number(env, "MessageLog__Postgres__MaxPoolSize"),
        }.PooledConnectionString());
        return storage + log;
    }

    private static int? Number(IReadOnlyDictionary<string, string?> env, string key) =>
        env.GetValueOrDefault(key) is { } text ? int.Parse(text, CultureInfo.InvariantCulture) : null;
}
