using OrleansChat.Tests.Cluster;
using StackExchange.Redis;
using OrleansChat.Tests.Infrastructure;
using OrleansChat.Tests.Reliability.Chaos;

namespace OrleansChat.Tests.Reliability;

/// <summary>
/// Finding the silos when membership is not what a running cluster expects. The membership store (redis) restarted
/// empty under a running cluster: the silos write their rows back and raise the table's version past their views
/// (Hosting/Clustering/MembershipRowKeeper); without that the rows never come back and no gateway refreshing its
/// list, or started then, finds a silo (the chaos suite's redis fault showed it: every user waited for an ack until
/// it gave up). A gateway started right after such a loss serves once its client is up, and a gateway started
/// together with the silos serves soon after they are up.
/// </summary>
[Collection(ProductionBackendsGroup.Name)]
public sealed class MembershipStoreLossTests(ProductionBackends backends)
{
    [Fact]
    public Task After_redis_came_back_empty_both_silos_write_their_rows_back_and_the_version_passes_their_views() =>
        WithTwoActiveSilosAsync(gateways: 0, async (_, membership) =>
        {
            var before = await TableVersionAsync(membership);

            backends.Redis.Kill();
            await backends.Redis.StartAgainAsync();
            Assert.Equal(0, await ActiveSilosAsync(membership));

            // Rows back (gateways find the silos again), then a version newer than the silos' views (so they accept
            // the table again), with both rows still there (neither silo took itself for dead).
            await Eventually.TrueAsync(async () => await ActiveSilosAsync(membership) == 2, "both silos wrote their rows back", TimeSpan.FromSeconds(30));
            await Eventually.TrueAsync(async () => await TableVersionAsync(membership) > before, $"the table's version passed {before}", TimeSpan.FromSeconds(60));
            Assert.Equal(2, await ActiveSilosAsync(membership));
        });

    [Fact]
    public Task A_gateway_started_right_after_redis_came_back_empty_serves() =>
        WithTwoActiveSilosAsync(gateways: 1, async (cluster, membership) =>
        {
            // Started while the silos are still writing their rows back, it answers HTTP before its Orleans client has
            // the cluster manifest: the first connections fail, and must not make every later one fail (GrainReferences
            // kept the first failure once: 7 of 7 runs refused every connection for at least 90 s).
            await SendAndGetAckedAsync(cluster.Gateways[0], GatewayServer.UniqueName("before"), TimeSpan.FromSeconds(30));
            cluster.KillGateway(0);
            backends.Redis.Kill();
            await backends.Redis.StartAgainAsync();
            Assert.Equal(0, await ActiveSilosAsync(membership));
            await cluster.RestartGatewayAsync(0);

            await SendAndGetAckedAsync(cluster.Gateways[0], GatewayServer.UniqueName("after"), TimeSpan.FromSeconds(30));
        });

    [Fact]
    public Task A_gateway_started_together_with_the_silos_serves_once_they_are_up() =>
        // The gateway's client may connect while the silos are still joining and get a cluster manifest without the
        // chat grains; it must ask again soon (ClusteringExtensions.ClientManifestRefresh), not after Orleans' minute.
        WithTwoActiveSilosAsync(gateways: 1, (cluster, _) =>
            SendAndGetAckedAsync(cluster.Gateways[0], GatewayServer.UniqueName("at-start"), TimeSpan.FromSeconds(30)));

    /// <summary>
    /// Runs <paramref name="test"/> on two silos (the prod overlay's failure detection) and <paramref name="gateways"/>
    /// Client-mode gateways once both silos' rows are active, with the key of their membership hash; a failure carries
    /// the processes' output.
    /// </summary>
    private async Task WithTwoActiveSilosAsync(int gateways, Func<ChaosCluster, string, Task> test)
    {
        await using var cluster = await ChaosCluster.StartAsync(backends, silos: 2, gateways, ChaosSuiteTests.ProdFailureDetection());
        var membership = $"{cluster.Settings["Cluster:ServiceId"]}/members/{cluster.Settings["Cluster:ClusterId"]}";
        try
        {
            await Eventually.TrueAsync(async () => await ActiveSilosAsync(membership) == 2, "both silos are active", TimeSpan.FromSeconds(90));
            await test(cluster, membership);
        }
        catch (Xunit.Sdk.XunitException e)
        {
            throw new Xunit.Sdk.XunitException($"{e.Message}\nprocess output:\n{cluster.Output()}");
        }
    }

    /// <summary>The membership table's version (its "Version" field), or -1 when there is none or redis cannot be read.</summary>
    private async Task<long> TableVersionAsync(string key)
    {
        try
        {
            await using var redis = await ConnectionMultiplexer.ConnectAsync(backends.Redis.ConnectionString + ",abortConnect=false,connectTimeout=2000");
            var version = await redis.GetDatabase().HashGetAsync(key, "Version");
            return version.HasValue && long.TryParse(version.ToString(), System.Globalization.CultureInfo.InvariantCulture, out var v) ? v : -1;
        }
        catch (RedisException)
        {
            return -1;
        }
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
