using System.Globalization;
using OrleansChat.Hosting.Operations;
using k8s.Models;

namespace OrleansChat.Tests.Deploy;

/// <summary>The rendered overlays, checked offline: strict schema, probes, ports, images, labels, settings names, drain timing.</summary>
public sealed class ManifestTests
{
    public static TheoryData<string> Overlays => new(Kustomize.Overlays);

    [SkippableFact]
    public void Strict_parsing_rejects_a_field_the_schema_does_not_have()
    {
        var yaml = Kustomize.Render("base").Replace("readinessProbe:", "readinesProbe:", StringComparison.Ordinal);
        Assert.ThrowsAny<Exception>(() => Kustomize.Parse(yaml));
    }

    [SkippableTheory]
    [MemberData(nameof(Overlays))]
    public void Every_object_parses_strictly_and_the_app_is_complete(string overlay)
    {
        var manifests = Kustomize.RenderOverlay(overlay);
        Assert.NotNull(manifests.Silo);
        Assert.NotNull(manifests.Gateway);
        Assert.NotNull(manifests.Migrate);
        Assert.Single(manifests.All<V1Ingress>());
        Assert.Equal(2, manifests.All<V2HorizontalPodAutoscaler>().Count());
        Assert.Equal(2, manifests.All<V1PodDisruptionBudget>().Count());
        Assert.Equal(["migrate"], manifests.Migrate.Args);
    }

    [SkippableTheory]
    [MemberData(nameof(Overlays))]
    public void Probes_use_the_health_endpoints_on_a_declared_port(string overlay)
    {
        var manifests = Kustomize.RenderOverlay(overlay);
        foreach (var deployment in new[] { manifests.Silo, manifests.Gateway })
        {
            var container = deployment.Spec.Template.Spec.Containers.Single();
            Assert.Equal(OperationsEndpoints.LivenessPath, container.StartupProbe.HttpGet.Path);
            Assert.Equal(OperationsEndpoints.LivenessPath, container.LivenessProbe.HttpGet.Path);
            Assert.Equal(OperationsEndpoints.ReadinessPath, container.ReadinessProbe.HttpGet.Path);
            foreach (var probe in new[] { container.StartupProbe, container.LivenessProbe, container.ReadinessProbe })
            {
                Assert.Contains(container.Ports, p => p.Name == probe.HttpGet.Port.Value);
            }

            Assert.NotNull(container.Resources.Requests);
            Assert.NotNull(container.Resources.Limits);
        }
    }

    [SkippableTheory]
    [MemberData(nameof(Overlays))]
    public void Container_ports_are_the_ones_the_apps_listen_on(string overlay)
    {
        var manifests = Kustomize.RenderOverlay(overlay);
        var silo = manifests.Silo.Spec.Template.Spec.Containers.Single();
        var siloEnv = manifests.Environment(silo);
        Assert.Equal(Port(siloEnv, "Cluster__SiloPort"), PortNamed(silo, "silo"));
        Assert.Equal(Port(siloEnv, "Cluster__GatewayPort"), PortNamed(silo, "orleans-gw"));
        Assert.Equal(Port(siloEnv, "Health__Port"), PortNamed(silo, "ops"));

        var gateway = manifests.Gateway.Spec.Template.Spec.Containers.Single();
        Assert.Equal(new Uri(manifests.Environment(gateway)["Urls"]!.Replace("+", "localhost", StringComparison.Ordinal)).Port, PortNamed(gateway, "http"));
        Assert.Equal(Port(manifests.Environment(gateway), "Health__Port"), PortNamed(gateway, "ops"));

        var service = manifests.Named<V1Service>("orleanschat-gateway");
        Assert.Contains(gateway.Ports, p => p.Name == service.Spec.Ports.Single().TargetPort.Value);
        Assert.True(Selects(service.Spec.Selector, manifests.Gateway.Spec.Template.Metadata.Labels));
        var backend = manifests.All<V1Ingress>().Single().Spec.Rules.Single().Http.Paths.Single().Backend.Service;
        Assert.Equal(service.Metadata.Name, backend.Name);
        Assert.Contains(service.Spec.Ports, p => p.Name == backend.Port.Name);
    }

    [SkippableTheory]
    [MemberData(nameof(Overlays))]
    public void Images_labels_and_selectors_agree(string overlay)
    {
        var manifests = Kustomize.RenderOverlay(overlay);
        var siloImage = manifests.Silo.Spec.Template.Spec.Containers.Single().Image;
        var gatewayImage = manifests.Gateway.Spec.Template.Spec.Containers.Single().Image;
        Assert.Equal(siloImage, manifests.Migrate.Image);
        Assert.Equal(Tag(siloImage), Tag(gatewayImage));
        Assert.EndsWith("silo", siloImage.Split(':')[0], StringComparison.Ordinal);
        Assert.EndsWith("gateway", gatewayImage.Split(':')[0], StringComparison.Ordinal);

        foreach (var deployment in manifests.All<V1Deployment>())
        {
            Assert.True(Selects(deployment.Spec.Selector.MatchLabels, deployment.Spec.Template.Metadata.Labels), deployment.Metadata.Name);
        }

        foreach (var hpa in manifests.All<V2HorizontalPodAutoscaler>())
        {
            Assert.Contains(manifests.All<V1Deployment>(), d => d.Metadata.Name == hpa.Spec.ScaleTargetRef.Name);
        }

        foreach (var pdb in manifests.All<V1PodDisruptionBudget>())
        {
            Assert.Contains(manifests.All<V1Deployment>(), d => Selects(pdb.Spec.Selector.MatchLabels, d.Spec.Template.Metadata.Labels));
        }

        // Orleans' Kubernetes hosting matches pods on these labels: they must be the cluster identity the silo is configured with.
        var labels = manifests.Silo.Spec.Template.Metadata.Labels;
        Assert.Equal(manifests.Config["Cluster__ServiceId"], labels["orleans/serviceId"]);
        Assert.Equal(manifests.Config["Cluster__ClusterId"], labels["orleans/clusterId"]);
    }

    [SkippableTheory]
    [MemberData(nameof(Overlays))]
    public void The_silo_runs_under_Kubernetes_hosting_with_the_RBAC_it_needs(string overlay)
    {
        var manifests = Kustomize.RenderOverlay(overlay);
        var pod = manifests.Silo.Spec.Template.Spec;
        var env = pod.Containers.Single().Env.ToDictionary(e => e.Name);
        Assert.Equal("true", env["Cluster__KubernetesHosting"].Value);
        Assert.Equal("metadata.name", env["POD_NAME"].ValueFrom.FieldRef.FieldPath);
        Assert.Equal("metadata.namespace", env["POD_NAMESPACE"].ValueFrom.FieldRef.FieldPath);
        Assert.Equal("status.podIP", env["POD_IP"].ValueFrom.FieldRef.FieldPath);

        var binding = manifests.All<V1RoleBinding>().Single(b => b.Subjects.Any(s => s.Kind == "ServiceAccount" && s.Name == pod.ServiceAccountName));
        var role = manifests.Named<V1Role>(binding.RoleRef.Name);
        var pods = Assert.Single(role.Rules, r => r.Resources.Contains("pods"));
        Assert.Superset(new HashSet<string>(["get", "list", "watch", "delete"]), pods.Verbs.ToHashSet());
    }

    [SkippableTheory]
    [MemberData(nameof(Overlays))]
    public void Every_variable_of_our_containers_is_a_setting_the_code_binds(string overlay)
    {
        var manifests = Kustomize.RenderOverlay(overlay);
        var containers = new[] { manifests.Silo, manifests.Gateway }.Select(d => d.Spec.Template.Spec.Containers.Single())
            .Append(manifests.Migrate);
        foreach (var container in containers)
        {
            var unbound = BoundSettings.Unbound(manifests.Environment(container));
            Assert.True(unbound.Count == 0, $"{overlay}/{container.Name}:\n" + string.Join("\n", unbound));
        }
    }

    [Fact]
    public void The_name_check_catches_a_misspelt_setting()
    {
        var env = new Dictionary<string, string?> { ["Sockets__DrainTimout"] = "00:00:15", ["Clustr__Mode"] = "Client", ["Cluster__Mode"] = "Client" };
        Assert.Equal(2, BoundSettings.Unbound(env).Count);
    }

    [SkippableTheory]
    [MemberData(nameof(Overlays))]
    public void The_gateway_drain_fits_in_its_grace_period(string overlay)
    {
        var manifests = Kustomize.RenderOverlay(overlay);
        var pod = manifests.Gateway.Spec.Template.Spec;
        var env = manifests.Environment(pod.Containers.Single());
        var preStop = pod.Containers.Single().Lifecycle.PreStop.Sleep.Seconds;
        var drain = TimeSpan.Parse(env["Sockets__DrainTimeout"]!, CultureInfo.InvariantCulture);
        var leave = TimeSpan.Parse(env["Cluster__ShutdownTimeout"]!, CultureInfo.InvariantCulture);
        Assert.True(preStop + drain.TotalSeconds + leave.TotalSeconds < pod.TerminationGracePeriodSeconds,
            $"preStop {preStop}s + drain {drain} + leave {leave} must fit in {pod.TerminationGracePeriodSeconds}s");
        Assert.True(leave.TotalSeconds < manifests.Silo.Spec.Template.Spec.TerminationGracePeriodSeconds);
    }

    private static int Port(IReadOnlyDictionary<string, string?> env, string name) => int.Parse(env[name]!, CultureInfo.InvariantCulture);

    private static int PortNamed(V1Container container, string name) => container.Ports.Single(p => p.Name == name).ContainerPort;

    private static string Tag(string image) => image[(image.LastIndexOf(':') + 1)..];

    private static bool Selects(IDictionary<string, string> selector, IDictionary<string, string> labels) =>
        selector.All(kv => labels.TryGetValue(kv.Key, out var v) && v == kv.Value);
}
