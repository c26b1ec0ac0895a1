using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using OrleansChat.Gateway.Hosting;
using OrleansChat.Tests.Infrastructure;

namespace OrleansChat.Tests.Deploy;

/// <summary>
/// A gateway in Client mode started before any silo (a cold start, a silo outage) does not crash: it answers its
/// liveness probe, stays not ready while its Orleans client retries (and refuses WebSocket upgrades with 503 +
/// Retry-After), and becomes ready, and serves the chat, once a silo starts. A real gateway (Kestrel) and a real Silo process.
/// </summary>
public sealed class ClusterConnectionRetryTests
{
    [Fact]
    public void The_back_off_doubles_from_half_a_second_up_to_ten_seconds()
    {
        Assert.Equal(TimeSpan.FromMilliseconds(500), ClusterConnectionRetryFilter.DelayBefore(1));
        Assert.Equal(TimeSpan.FromSeconds(1), ClusterConnectionRetryFilter.DelayBefore(2));
        Assert.Equal(TimeSpan.FromSeconds(8), ClusterConnectionRetryFilter.DelayBefore(5));
        Assert.Equal(TimeSpan.FromSeconds(10), ClusterConnectionRetryFilter.DelayBefore(6));
        Assert.Equal(TimeSpan.FromSeconds(10), ClusterConnectionRetryFilter.DelayBefore(10_000));
    }

    [Fact]
    public async Task A_gateway_started_before_any_silo_is_alive_not_ready_and_becomes_ready_when_a_silo_starts()
    {
        var (httpPort, siloPort, gatewayPort) = (FreePort.Next(), FreePort.Next(), FreePort.Next());
        var clusterId = "retry-" + Guid.NewGuid().ToString("N")[..8];
        var app = GatewayApp.Build([], builder =>
        {
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Urls"] = $"http://127.0.0.1:{httpPort}",
                ["Cluster:Mode"] = "Client",
                ["Cluster:GatewayPort"] = Port(gatewayPort),
                ["Cluster:ClusterId"] = clusterId,
                // How soon a gateway marked dead is tried again (the prod overlay sets 10 s).
                ["Cluster:FailureDetection:GatewayListRefreshPeriod"] = "00:00:02",
                ["Auth:DevLoginEnabled"] = "true",
                ["Security:Encryption"] = "Off",
            });
            builder.Logging.SetMinimumLevel(LogLevel.Warning);
        });
        var starting = app.StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}") };
        try
        {
            await Eventually.TrueAsync(async () => await StatusAsync(http, "/healthz") == HttpStatusCode.OK, "the gateway answers its liveness probe without a silo", TimeSpan.FromSeconds(60));
            Assert.Equal(HttpStatusCode.ServiceUnavailable, await StatusAsync(http, "/readyz"));
            Assert.False(starting.IsCompleted, "the Orleans client is still retrying, not failed");

            // A socket now would be upgraded only to be closed with 1011: it is refused before the upgrade, told when to retry.
            var early = await LoginAsync(http, GatewayServer.UniqueName("early"));
            var refused = await RawUpgrade.SendAsync(WebSocketUri(httpPort, early));
            Assert.Equal((HttpStatusCode.ServiceUnavailable, "1", "unavailable"), refused);

            await using var silo = SiloProcess.Start(new Dictionary<string, string>
            {
                ["Cluster:SiloPort"] = Port(siloPort),
                ["Cluster:GatewayPort"] = Port(gatewayPort),
                ["Cluster:ClusterId"] = clusterId,
            });
            await Eventually.TrueAsync(async () => silo.HasExited ? throw new InvalidOperationException("the silo exited:\n" + silo.Output) : await StatusAsync(http, "/readyz") == HttpStatusCode.OK,
                "the gateway is ready once a silo answers", TimeSpan.FromSeconds(90));
            await starting;

            // Connected for real: a login and a room join go through the silo's grains.
            var token = await LoginAsync(http, GatewayServer.UniqueName("late"));
            await using var client = await ChatClient.ConnectAsync(WebSocketUri(httpPort, token));
            await client.WaitForAsync(f => f.Type == "welcome");
            await using var earlyClient = await ChatClient.ConnectAsync(WebSocketUri(httpPort, early)); // the refused one, retried
            await earlyClient.WaitForAsync(f => f.Type == "welcome");
            await client.AckedAsync(id => new { type = "room.join", id, room = GatewayServer.UniqueName("room") });
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    private static async Task<string> LoginAsync(HttpClient http, string openId)
    {
        using var login = await http.PostAsJsonAsync("/api/auth/login", new { openId, name = openId });
        login.EnsureSuccessStatusCode();
        return (await login.Content.ReadFromJsonAsync<Dictionary<string, object>>())!["token"].ToString()!;
    }

    private static Uri WebSocketUri(int httpPort, string token) => new($"ws://127.0.0.1:{httpPort}/ws?access_token={Uri.EscapeDataString(token)}");

    private static string Port(int port) => port.ToString(CultureInfo.InvariantCulture);

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
