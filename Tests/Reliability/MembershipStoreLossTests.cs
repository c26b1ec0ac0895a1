using OrleansChat.Tests.Cluster;
using StackExchange.Redis;
using OrleansChat.Tests.Infrastructure;
using OrleansChat.Tests.Reliability.Chaos;

namespace OrleansChat.Tests.Reliability;

/// <summary>
/// Finding the silos when membership is not what a running cluster expects. The membership store (redis) restarted
/// empty under a running cluster: the silos write their rows back (Hosting/Clustering/MembershipRowKeeper), so a
/// gateway started after the loss still finds them and serves; without that the rows never come back and a gateway
/// started then finds no silo at all (the chaos suite's redis fault showed it: every user waited for an ack until it
/// gave up). And a gateway started together with the silos serves soon after they are up.
/// </summary>
[Collection(ProductionBackendsGroup.Name)]
public sealed class MembershipStoreLossTests(ProductionBackends backends)
{
    [Fact]
    public async Task A_gateway_started_after_redis_came_back_empty_finds_the_silos_and_serves()
    {
        await using var cluster = await ChaosCluster.StartAsync(backends, silos: 2, gateways: 0, ChaosSuiteTests.ProdFailureDetection());
        await using var late = new GatewayProcess(new Dictionary<string, string>(cluster.Settings) { ["Cluster:Mode"] = "Client" });
        var membership = $"{cluster.Settings["Cluster:ServiceId"]}/members/{cluster.Settings["Cluster:ClusterId"]}";
        try
        {
            await Eventually.TrueAsync(async () => await ActiveSilosAsync(membership) == 2, "both silos are active", TimeSpan.FromSeconds(90));

            backends.Redis.Kill();
            await backends.Redis.StartAgainAsync();
            Assert.Equal(0, await ActiveSilosAsync(membership));

            await Eventually.TrueAsync(async () => await ActiveSilosAsync(membership) == 2, "both silos wrote their rows back", TimeSpan.FromSeconds(30));
            await late.StartAsync(TimeSpan.FromSeconds(90));
            await SendAndGetAckedAsync(late, GatewayServer.UniqueName("after-redis"));
        }
        catch (Xunit.Sdk.XunitException e)
        {
            throw new Xunit.Sdk.XunitException($"{e.Message}\nprocess output:\n{cluster.Output()}\n---\nlate gateway:\n{late.Output}");
        }
    }

    [Fact]
    public async Task A_gateway_started_together_with_the_silos_serves_once_they_are_up()
    {
        // The gateway's client may connect while the silos are still joining and get a cluster manifest without the
        // chat grains; it must ask again soon (ClusteringExtensions.ClientManifestRefresh), not after Orleans' minute.
        await using var cluster = await ChaosCluster.StartAsync(backends, silos: 2, gateways: 1, ChaosSuiteTests.ProdFailureDetection());
        var membership = $"{cluster.Settings["Cluster:ServiceId"]}/members/{cluster.Settings["Cluster:ClusterId"]}";
        await Eventually.TrueAsync(async () => await ActiveSilosAsync(membership) == 2, "both silos are active", TimeSpan.FromSeconds(90));

        await SendAndGetAckedAsync(cluster.Gateways[0], GatewayServer.UniqueName("at-start"), TimeSpan.FromSeconds(30));
    }

    /// <summary>The silo rows with status Active (3) in the redis membership hash (Orleans.Clustering.Redis keeps one JSON row per silo).</summary>
    private async Task<int> ActiveSilosAsync(string key)
    {
        try
        {
            await using var redis = await ConnectionMultiplexer.ConnectAsync(backends.Redis.ConnectionString + ",abortConnect=false,connectTimeout=2000");
            var rows = await redis.GetDatabase().HashGetAllAsync(key);
            return rows.Count(r => r.Name != "Version" && r.Value.ToString().Contains("\"Status\":3,", StringComparison.Ordinal));
        }
        catch (RedisException)
        {
            return -1;
        }
    }

    /// <summary>A new user joins the room and gets a message acknowledged through the gateway, tried until a deadline (the cluster may still be settling).</summary>
    private static Task SendAndGetAckedAsync(GatewayProcess gateway, string room, TimeSpan? within = null) =>
        Eventually.TrueAsync(async () =>
        {
            try
            {
                await using var client = await ChatClient.ConnectAsync(gateway.WebSocketUri(await gateway.LoginAsync(GatewayServer.UniqueName("u"))));
                await client.WaitForAsync(f => f.Type == "welcome", TimeSpan.FromSeconds(15));
                var joined = await client.RequestAsync(id => new { type = "room.join", id, room }, TimeSpan.FromSeconds(15));
                var sent = await client.RequestAsync(id => new { type = "room.send", id, room, body = new { kind = "text", text = "hello" } }, TimeSpan.FromSeconds(15));
                return joined.Type == "ack" && sent.Type == "ack";
            }
            catch (Exception e) when (e is InvalidOperationException or TimeoutException or Xunit.Sdk.XunitException or System.Net.WebSockets.WebSocketException or HttpRequestException)
            {
                return false;
            }
        }, $"a message to {room} is acknowledged through the gateway on port {gateway.HttpPort}", within ?? TimeSpan.FromSeconds(60));
}
