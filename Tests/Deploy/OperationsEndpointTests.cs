using System.Net;
using OrleansChat.Hosting.Operations;
using OrleansChat.Tests.Infrastructure;

namespace OrleansChat.Tests.Deploy;

/// <summary>The probe, metrics and dashboard endpoints the manifests point at, served by the real processes.</summary>
public sealed class OperationsEndpointTests
{
    [Fact]
    public async Task The_gateway_serves_health_metrics_and_the_dashboard()
    {
        await using var gateway = await GatewayServer.StartAsync(new Dictionary<string, string?> { ["Dashboard:Enabled"] = "true" });
        await Eventually.TrueAsync(async () => await StatusAsync(gateway.Http, OperationsEndpoints.ReadinessPath) == HttpStatusCode.OK, "the gateway is ready");
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(gateway.Http, OperationsEndpoints.LivenessPath));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(gateway.Http, OperationsEndpoints.DashboardPath));

        var room = GatewayServer.UniqueName("room");
        await using var alice = await gateway.ConnectAsync(GatewayServer.UniqueName("alice"));
        await using var bob = await gateway.ConnectAsync(GatewayServer.UniqueName("bob"));
        await alice.AckedAsync(id => new { type = "room.join", id, room });
        await bob.AckedAsync(id => new { type = "room.join", id, room });
        await alice.AckedAsync(id => new { type = "room.send", id, room, body = new { kind = "text", text = "measured" } });
        await bob.WaitForAsync(f => f.Type == "room.message");

        string[] expected =
        [
            "orleanschat_gateway_connections", "orleanschat_gateway_frames_received_total", "orleanschat_gateway_frames_sent_total",
            "orleanschat_gateway_messages_accepted_total", "orleanschat_gateway_fanout_latency_milliseconds_bucket",
            "orleanschat_fanout_calls_total", "orleans_catalog_activations",
        ];
        // Two welcomes, four acks and two copies of the message went out; two joins and a send came in. Polled: the
        // exporter serves a cached scrape for a moment, so the first one with every name may predate the frames.
        var metrics = "";
        await Eventually.TrueAsync(async () =>
        {
            metrics = await gateway.Http.GetStringAsync(OperationsEndpoints.MetricsPath);
            return expected.All(metrics.Contains)
                && SampleSum(metrics, "orleanschat_gateway_frames_sent_total") >= 8
                && SampleSum(metrics, "orleanschat_gateway_frames_received_total") >= 3;
        }, "every chat metric is exported and counts the frames");
        Assert.Contains("orleanschat_gateway_connections{", metrics, StringComparison.Ordinal);
    }

    /// <summary>
    /// The sum of a metric's samples in the Prometheus text format (<c>name{labels} value [timestamp]</c>). Summed:
    /// the exporter listens to every meter of that name in the process, and other tests' gateways may be running.
    /// </summary>
    private static double SampleSum(string metrics, string name) => metrics.Split('\n')
        .Where(line => line.StartsWith(name + "{", StringComparison.Ordinal) || line.StartsWith(name + " ", StringComparison.Ordinal))
        .Sum(line =>
        {
            var rest = line[name.Length..];
            if (rest.StartsWith('{'))
            {
                rest = rest[(rest.IndexOf('}', StringComparison.Ordinal) + 1)..];
            }

            return double.Parse(rest.Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
        });

    [Fact]
    public async Task The_silo_serves_health_and_metrics_on_its_health_port_and_logs_JSON_in_production()
    {
        var healthPort = FreePort.Next();
        await using var silo = SiloProcess.Start(new Dictionary<string, string>
        {
            ["Cluster:SiloPort"] = SiloProcess.Port(FreePort.Next()),
            ["Cluster:GatewayPort"] = SiloProcess.Port(FreePort.Next()),
            ["Cluster:ClusterId"] = "ops-" + Guid.NewGuid().ToString("N")[..8],
            ["Health:Port"] = SiloProcess.Port(healthPort),
        });
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{healthPort}") };
        await Eventually.TrueAsync(async () => await StatusAsync(http, OperationsEndpoints.ReadinessPath) == HttpStatusCode.OK, "the silo is an active member", TimeSpan.FromSeconds(30));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(http, OperationsEndpoints.LivenessPath));
        Assert.Contains("orleans_catalog_activations", await http.GetStringAsync(OperationsEndpoints.MetricsPath), StringComparison.Ordinal);
        Assert.Contains("\"Category\":\"Microsoft.Hosting.Lifetime\"", silo.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Kubernetes_hosting_outside_a_pod_refuses_to_start_and_says_why()
    {
        await using var silo = SiloProcess.Start(new Dictionary<string, string>
        {
            ["Cluster:Clustering"] = "Redis",
            ["Cluster:RedisConnectionString"] = "127.0.0.1:1",
            ["Cluster:KubernetesHosting"] = "true",
        });
        Assert.NotEqual(0, await silo.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains("POD_NAMESPACE is not set", silo.Output, StringComparison.Ordinal);
    }

    private static async Task<HttpStatusCode> StatusAsync(HttpClient http, string path)
    {
        try
        {
            using var response = await http.GetAsync(path);
            return response.StatusCode;
        }
        catch (HttpRequestException)
        {
            return 0;
        }
    }
}
