using System.Globalization;
using k8s.Models;
using OrleansChat.Gateway.Observability;

namespace OrleansChat.Tests.Deploy;

/// <summary>Autoscaling, disruption, placement and memory of the rendered overlays.</summary>
public sealed class ScalingManifestTests
{
    public static TheoryData<string> Overlays => new(Kustomize.Overlays);

    [SkippableTheory]
    [MemberData(nameof(Overlays))]
    public void No_deployment_an_HPA_owns_states_its_replicas(string overlay)
    {
        var manifests = Kustomize.RenderOverlay(overlay);
        foreach (var hpa in manifests.All<V2HorizontalPodAutoscaler>())
        {
            var deployment = manifests.Named<V1Deployment>(hpa.Spec.ScaleTargetRef.Name);
            Assert.True(deployment.Spec.Replicas is null, $"{deployment.Metadata.Name} states replicas {deployment.Spec.Replicas}: every apply would reset the HPA's count");
            Assert.True(hpa.Spec.MinReplicas >= 1 && hpa.Spec.MinReplicas <= hpa.Spec.MaxReplicas);
        }

        Assert.Equal(["orleanschat-gateway", "orleanschat-silo"], manifests.All<V2HorizontalPodAutoscaler>().Select(h => h.Spec.ScaleTargetRef.Name).Order());
    }

    [SkippableTheory]
    [MemberData(nameof(Overlays))]
    public void The_gateway_HPA_scales_on_connections_per_pod_and_memory_with_CPU_as_a_ceiling(string overlay)
    {
        var hpa = Kustomize.RenderOverlay(overlay).Named<V2HorizontalPodAutoscaler>("orleanschat-gateway");
        var connections = Assert.Single(hpa.Spec.Metrics, m => m.Type == "Pods");
        // The name Prometheus gives the gateway's own gauge (dots become underscores), as prometheus-adapter serves it.
        Assert.Equal(GatewayMetrics.ConnectionsInstrument.Replace('.', '_'), connections.Pods.Metric.Name);
        Assert.Equal("AverageValue", connections.Pods.Target.Type);
        Assert.True(connections.Pods.Target.AverageValue.ToInt64() > 0);
        Assert.Equal(["cpu", "memory"], hpa.Spec.Metrics.Where(m => m.Type == "Resource").Select(m => m.Resource.Name).Order());
        Assert.Equal(3, hpa.Spec.Metrics.Count);
    }

    [SkippableTheory]
    [MemberData(nameof(Overlays))]
    public void Disruption_budgets_let_one_pod_go_at_a_time(string overlay)
    {
        var manifests = Kustomize.RenderOverlay(overlay);
        foreach (var pdb in manifests.All<V1PodDisruptionBudget>())
        {
            Assert.Equal("1", pdb.Spec.MaxUnavailable.Value);
            Assert.Null(pdb.Spec.MinAvailable);
        }
    }

    [SkippableTheory]
    [MemberData(nameof(Overlays))]
    public void Silos_and_gateways_spread_over_nodes_with_guaranteed_memory_a_GC_heap_limit_and_their_GC_mode(string overlay)
    {
        var manifests = Kustomize.RenderOverlay(overlay);
        foreach (var deployment in new[] { manifests.Silo, manifests.Gateway })
        {
            var pod = deployment.Spec.Template.Spec;
            var spread = Assert.Single(pod.TopologySpreadConstraints);
            Assert.Equal("kubernetes.io/hostname", spread.TopologyKey);
            Assert.Equal(1, spread.MaxSkew);
            Assert.Equal(deployment.Spec.Selector.MatchLabels, spread.LabelSelector.MatchLabels);

            foreach (var container in pod.Containers.Concat(pod.InitContainers ?? []))
            {
                Assert.Equal(container.Resources.Requests["memory"], container.Resources.Limits["memory"]);
            }

            var env = manifests.Environment(pod.Containers.Single());
            // The runtime reads GC settings as hexadecimal: "75" would be 117 %.
            var percent = int.Parse(env["DOTNET_GCHeapHardLimitPercent"]!.Replace("0x", "", StringComparison.Ordinal), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            Assert.InRange(percent, 50, 85);
        }

        // Server GC for silos, workstation GC for Client-mode gateways: what bench/lib.sh runs as the deployed shape.
        Assert.Equal("1", manifests.Environment(manifests.Silo.Spec.Template.Spec.Containers.Single())["DOTNET_gcServer"]);
        Assert.Equal("0", manifests.Environment(manifests.Gateway.Spec.Template.Spec.Containers.Single())["DOTNET_gcServer"]);
    }
}
