using System.Net;
using OrleansChat.Hosting.Operations;
using OrleansChat.Tests.Infrastructure;

namespace OrleansChat.Tests.Deploy;

/// <summary>
/// With <c>Health:Port</c> set, the gateway serves its probes, metrics and dashboard on that port only (the Ingress
/// routes the chat port, so they are not public) and nothing else there: decided by the port a request arrived on,
/// not by a Host header a client could forge.
/// </summary>
public sealed class OperationsPortTests
{
    [Fact]
    public async Task Operations_paths_answer_only_on_the_operations_port_and_the_chat_only_on_its_own()
    {
        var port = FreePort.Next();
        await using var gateway = await GatewayServer.StartAsync(new Dictionary<string, string?>
        {
            ["Health:Port"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Dashboard:Enabled"] = "true",
        });
        using var operations = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };

        await Eventually.TrueAsync(async () => await StatusAsync(operations, OperationsEndpoints.ReadinessPath) == HttpStatusCode.OK, "ready on the operations port");
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(operations, OperationsEndpoints.LivenessPath));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(operations, OperationsEndpoints.MetricsPath));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(operations, OperationsEndpoints.DashboardPath));

        foreach (var path in new[] { OperationsEndpoints.LivenessPath, OperationsEndpoints.ReadinessPath, OperationsEndpoints.MetricsPath, OperationsEndpoints.DashboardPath })
        {
            Assert.Equal(HttpStatusCode.NotFound, await StatusAsync(gateway.Http, path));
            // A Host header naming the operations port changes nothing: the port the request came in on decides.
            using var forged = new HttpRequestMessage(HttpMethod.Get, path) { Headers = { Host = $"127.0.0.1:{port}" } };
            using var response = await gateway.Http.SendAsync(forged);
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        }

        // The chat is served on its own port, and not on the operations port.
        var token = await gateway.LoginAsync(GatewayServer.UniqueName("ops"));
        Assert.Equal(HttpStatusCode.NotFound, await StatusAsync(operations, "/api/auth/login"));
        Assert.Equal(HttpStatusCode.NotFound, await StatusAsync(operations, "/ws?access_token=" + token));
        await using var client = await gateway.ConnectWithTokenAsync(token);
    }

    [Fact]
    public async Task Without_the_setting_the_operations_paths_stay_on_the_chat_port()
    {
        await using var gateway = await GatewayServer.StartAsync();
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(gateway.Http, OperationsEndpoints.LivenessPath));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(gateway.Http, OperationsEndpoints.MetricsPath));
    }

    private static async Task<HttpStatusCode> StatusAsync(HttpClient http, string path)
    {
        using var response = await http.GetAsync(path);
        return response.StatusCode;
    }
}
