using k8s.Models;

namespace OrleansChat.Tests.Deploy;

/// <summary>
/// The rendered NetworkPolicies, resolved into flows "source → pod:port" (pod selectors matched against the
/// rendered pod templates, named ports against their containers), must be exactly the flows the code needs: no
/// more (an open door), no fewer (a broken app).
/// </summary>
public sealed class NetworkPolicyManifestTests
{
    /// <summary>The app's flows, in every overlay.</summary>
    private static readonly string[] AppFlows =
    [
        "ns:ingress-nginx/pod:ingress-nginx -> orleanschat-gateway:8080", // the ingress to the chat port only
        "ns:monitoring -> orleanschat-gateway:9090", // scraping /metrics
        "orleanschat-gateway -> orleanschat-silo:30000", // the gateways' Orleans clients to the silos' gateway port
        "orleanschat-silo -> orleanschat-silo:11111", // silo to silo
        "ns:monitoring -> orleanschat-silo:9090",
    ];

    /// <summary>The dev overlay's in-cluster backends: each reached only by what reads it.</summary>
    private static readonly string[] DevBackendFlows =
    [
        "orleanschat-silo -> redis:6379", // membership: silos write it
        "orleanschat-gateway -> redis:6379", // ... and the gateways' Orleans clients read the live silo gateways from it
        "orleanschat-silo -> postgres:5432", // grain state, and the migrate init container in the silo pod
        "orleanschat-silo -> mongo:27017", // the message log
        "orleanschat-gateway -> mongo:27017", // the media store (GridFS)
        "mongo-init -> mongo:27017", // the replica-set initiation Job
        "mongo -> mongo:27017", // the one member reaching itself by its replica-set host name
    ];

    public static TheoryData<string, string[]> Expected => new()
    {
        { "prod", AppFlows },
        { "dev", [.. AppFlows, .. DevBackendFlows] },
    };

    [SkippableTheory]
    [MemberData(nameof(Expected))]
    public void Every_NetworkPolicy_allows_exactly_the_flows_the_code_needs(string overlay, string[] expected)
    {
        var manifests = Kustomize.RenderOverlay(overlay);
        var flows = manifests.All<V1NetworkPolicy>().SelectMany(p => Flows(manifests, p)).ToHashSet();
        Assert.Equal(expected.Order(), flows.Order());
    }

    [SkippableTheory]
    [MemberData(nameof(Expected))]
    public void Every_pod_is_behind_a_default_deny(string overlay, string[] expected)
    {
        var manifests = Kustomize.RenderOverlay(overlay);
        Assert.NotEmpty(expected);
        var deny = Assert.Single(manifests.All<V1NetworkPolicy>(), p => p.Spec.PodSelector.MatchLabels is null && p.Spec.PodSelector.MatchExpressions is null);
        Assert.Equal(["Ingress"], deny.Spec.PolicyTypes);
        Assert.Null(deny.Spec.Ingress);
        foreach (var policy in manifests.All<V1NetworkPolicy>())
        {
            Assert.Equal(["Ingress"], policy.Spec.PolicyTypes);
        }
    }

    [SkippableFact]
    public void The_ingress_routes_only_the_gateway_chat_port_and_the_service_exposes_nothing_else()
    {
        var manifests = Kustomize.RenderOverlay("prod");
        var service = manifests.Named<V1Service>("orleanschat-gateway");
        var port = Assert.Single(service.Spec.Ports);
        Assert.Equal("http", port.TargetPort.Value);
        var gateway = manifests.Gateway.Spec.Template.Spec.Containers.Single();
        Assert.NotEqual(gateway.Ports.Single(p => p.Name == "http").ContainerPort, gateway.Ports.Single(p => p.Name == "ops").ContainerPort);
        var path = Assert.Single(Assert.Single(manifests.All<V1Ingress>()).Spec.Rules.Single().Http.Paths);
        Assert.Equal(service.Metadata.Name, path.Backend.Service.Name);
        Assert.Equal(port.Name, path.Backend.Service.Port.Name);
    }

    [SkippableFact]
    public void The_flow_resolution_sees_an_added_rule()
    {
        var manifests = Kustomize.RenderOverlay("prod");
        var silo = manifests.Named<V1NetworkPolicy>("orleanschat-silo");
        silo.Spec.Ingress.Add(new V1NetworkPolicyIngressRule { Ports = [new V1NetworkPolicyPort { Port = "silo" }] });
        Assert.Contains("anywhere -> orleanschat-silo:11111", Flows(manifests, silo));
    }

    /// <summary>The policy's flows as "source -> pod:port".</summary>
    private static IEnumerable<string> Flows(Manifests manifests, V1NetworkPolicy policy)
    {
        var targets = manifests.PodTemplates.Where(p => Selects(policy.Spec.PodSelector, p.Template.Metadata.Labels)).ToList();
        Assert.True(targets.Count > 0 || policy.Spec.Ingress is null, $"{policy.Metadata.Name} selects no pod");
        foreach (var rule in policy.Spec.Ingress ?? [])
        {
            var sources = rule.FromProperty is { Count: > 0 } from ? from.Select(peer => Source(manifests, peer)) : ["anywhere"];
            foreach (var source in sources)
            {
                foreach (var (name, template) in targets)
                {
                    foreach (var port in rule.Ports ?? throw new Xunit.Sdk.XunitException($"{policy.Metadata.Name}: a rule without ports opens every port"))
                    {
                        yield return $"{source} -> {name}:{PortNumber(template, port)}";
                    }
                }
            }
        }
    }

    private static string Source(Manifests manifests, V1NetworkPolicyPeer peer)
    {
        Assert.Null(peer.IpBlock);
        if (peer.NamespaceSelector is { } namespaces)
        {
            var ns = "ns:" + namespaces.MatchLabels["kubernetes.io/metadata.name"];
            return peer.PodSelector is { } pods ? $"{ns}/pod:{pods.MatchLabels["app.kubernetes.io/name"]}" : ns;
        }

        var matched = manifests.PodTemplates.Where(p => Selects(peer.PodSelector, p.Template.Metadata.Labels)).Select(p => p.Name).ToList();
        return Assert.Single(matched);
    }

    private static int PortNumber(V1PodTemplateSpec template, V1NetworkPolicyPort port)
    {
        Assert.Null(port.EndPort);
        return int.TryParse(port.Port.Value, out var number)
            ? number
            : template.Spec.Containers.SelectMany(c => c.Ports ?? []).Single(p => p.Name == port.Port.Value).ContainerPort;
    }

    private static bool Selects(V1LabelSelector selector, IDictionary<string, string> labels)
    {
        Assert.Null(selector.MatchExpressions);
        return (selector.MatchLabels ?? new Dictionary<string, string>()).All(kv => labels.TryGetValue(kv.Key, out var v) && v == kv.Value);
    }
}
