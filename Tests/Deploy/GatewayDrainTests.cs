using System.Net;
using System.Net.WebSockets;
using OrleansChat.Gateway.Sockets;
using OrleansChat.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace OrleansChat.Tests.Deploy;

/// <summary>
/// A rolling update, end to end: a Silo process clustered over Redis, two gateways in Client mode in front of it.
/// Gateway A is stopped as SIGTERM would stop it; its clients are told 1012, reconnect to gateway B and
/// <c>sync</c>, and every message that was ever acknowledged is there.
/// </summary>
[Collection(RedisFixtureDefinition.Name)]
public sealed class GatewayDrainTests(RedisServer redis)
{
    private const int MessagesEach = 5;
    private const int InFlight = 20;

    [Fact]
    public async Task Stopping_a_gateway_closes_with_1012_and_its_clients_recover_every_acknowledged_message_on_another()
    {
        var cluster = new Dictionary<string, string>
        {
            ["Cluster:Clustering"] = "Redis",
            ["Cluster:RedisConnectionString"] = redis.ConnectionString,
            ["Cluster:ClusterId"] = "drain-" + Guid.NewGuid().ToString("N")[..8],
            ["Cluster:ServiceId"] = "drain",
        };
        await using var silo = SiloProcess.Start(new Dictionary<string, string>(cluster)
        {
            ["Cluster:SiloPort"] = SiloProcess.Port(FreePort.Next()),
            ["Cluster:GatewayPort"] = SiloProcess.Port(FreePort.Next()),
            ["Cluster:AdvertisedIPAddress"] = "127.0.0.1",
        });
        var client = cluster.ToDictionary(kv => kv.Key, kv => (string?)kv.Value);
        client["Cluster:Mode"] = "Client";
        await using var gatewayB = await StartOrExplainAsync(client, silo);
        // A long close timeout on A: its stalled client holds the drain open while the test looks at A.
        await using var gatewayA = await GatewayServer.StartAsync(new Dictionary<string, string?>(client) { ["Sockets:CloseTimeout"] = "00:00:20" });

        var room = GatewayServer.UniqueName("room");
        var (a1Id, a2Id) = (GatewayServer.UniqueName("a1"), GatewayServer.UniqueName("a2"));
        var a1 = await gatewayA.ConnectAsync(a1Id); // disposed once drained, below
        var a2 = await gatewayA.ConnectAsync(a2Id);
        await using var b1 = await gatewayB.ConnectAsync(GatewayServer.UniqueName("b1"));
        foreach (var member in new[] { a1, a2, b1 })
        {
            await member.AckedAsync(id => new { type = "room.join", id, room });
        }

        var acked = new List<long>();
        foreach (var sender in new[] { a1, a2, b1 })
        {
            for (var i = 0; i < MessagesEach; i++)
            {
                acked.Add((await sender.AckedAsync(id => Send(id, room, $"before {i}"))).Number("seq"));
            }
        }

        // Across gateways: b1 (on B) saw A's messages live.
        await b1.WaitForAsync(f => f.Type == "room.message" && f.Number("seq") == acked[(2 * MessagesEach) - 1]);

        // Messages in flight when SIGTERM arrives: sent without waiting; whichever were acked must survive.
        var inFlightIds = new List<string>();
        for (var i = 0; i < InFlight; i++)
        {
            var id = a1.NextId();
            inFlightIds.Add(id);
            await a1.SendAsync(Send(id, room, $"in flight {i}"));
        }

        var stalled = await ChatClient.ConnectAsync(gatewayA.WebSocketUri(await gatewayA.LoginAsync(GatewayServer.UniqueName("stalled"))), receive: false);
        var registry = gatewayA.Services.GetRequiredService<ConnectionRegistry>();
        await Eventually.TrueAsync(() => registry.ConnectionCount == 3, "the stalled client is registered on A");

        var stopping = gatewayA.StopAsync();

        // While A drains: unready, refusing upgrades, and its readers are told to go elsewhere after their queue.
        await Eventually.TrueAsync(async () => (await gatewayA.Http.GetAsync("/readyz")).StatusCode == HttpStatusCode.ServiceUnavailable, "A reports unready");
        using (var upgrade = await gatewayA.Http.GetAsync("/ws"))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, upgrade.StatusCode);
        }

        foreach (var drained in new[] { a1, a2 })
        {
            Assert.Equal(GatewayDrain.ServiceRestart, await drained.Closed.WaitAsync(TimeSpan.FromSeconds(10)));
            Assert.Equal("service restart", drained.CloseDescription);
        }

        // They go away as a client does on 1012 (ChatClient does not answer a close itself).
        await a1.DisposeAsync();
        await a2.DisposeAsync();

        Assert.False(stopping.IsCompleted, "the stalled client still holds the drain");
        await stalled.DisposeAsync();
        await stopping.WaitAsync(TimeSpan.FromSeconds(15));
        Assert.Equal(0, registry.ConnectionCount);

        acked.AddRange(a1.Received.Where(f => f.Type == "ack" && inFlightIds.Contains(f.Re!)).Select(f => f.Number("seq")));
        Assert.Equal(a1.Received.Count(f => f.Re is not null && inFlightIds.Contains(f.Re)), a1.Received.Count(f => f.Type == "ack" && inFlightIds.Contains(f.Re!)));

        // Both reconnect to B and sync from the start: nothing acknowledged is missing.
        await using var a1Again = await gatewayB.ConnectAsync(a1Id);
        await using var a2Again = await gatewayB.ConnectAsync(a2Id);
        foreach (var again in new[] { a1Again, a2Again })
        {
            var sync = await again.AckedAsync(id => new { type = "sync", id, cursors = new Dictionary<string, long> { [$"room:{room}"] = 0 } });
            var conversation = Assert.Single(sync.Json.GetProperty("conversations").EnumerateArray());
            Assert.False(conversation.GetProperty("more").GetBoolean());
            var synced = conversation.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("seq").GetInt64()).ToHashSet();
            var lost = acked.Where(seq => !synced.Contains(seq)).ToList();
            Assert.True(lost.Count == 0, $"{lost.Count} acknowledged message(s) lost: {string.Join(", ", lost)}");
        }

        Assert.True(acked.Count >= 3 * MessagesEach);
    }

    private static object Send(string id, string room, string text) => new { type = "room.send", id, room, body = new { kind = "text", text } };

    private static async Task<GatewayServer> StartOrExplainAsync(Dictionary<string, string?> settings, SiloProcess silo)
    {
        try
        {
            return await GatewayServer.StartAsync(settings);
        }
        catch (Exception e)
        {
            throw new InvalidOperationException("the gateway could not reach the silo; silo output:\n" + silo.Output, e);
        }
    }
}
