using System.Diagnostics;
using OrleansChat.Tests.Infrastructure;

namespace OrleansChat.Tests.EndToEnd;

/// <summary>The gateway's own renewal loop (sliced over the period) keeps its registrations alive past their expiry.</summary>
[Collection(TightGatewayGroup.Name)]
public sealed class RenewalTests(TightGatewayFixture fixture)
{
    private readonly GatewayServer _server = fixture.Server;

    [Fact]
    public async Task Room_presence_and_delivery_outlive_several_expiry_periods()
    {
        var room = GatewayServer.UniqueName("room");
        var users = Enumerable.Range(0, 12).Select(i => GatewayServer.UniqueName($"member{i}")).ToArray();
        var clients = await Task.WhenAll(users.Select(u => _server.ConnectAsync(u)));
        try
        {
            foreach (var client in clients)
            {
                await client.AckedAsync(id => new { type = "room.join", id, room });
            }

            // Long enough for every registration made at the joins to expire three times over unless renewed.
            var watch = Stopwatch.StartNew();
            while (watch.Elapsed < TightGatewayFixture.SubscriptionExpiry * 3)
            {
                await Task.WhenAll(clients.Select(c => c.AckedAsync(id => new { type = "ping", id }))); // inside the idle timeout
                await Task.Delay(TightGatewayFixture.IdleTimeout / 4);
            }

            var members = await clients[0].AckedAsync(id => new { type = "room.members", id, room });
            var online = members.Json.GetProperty("members").EnumerateArray().Count(m => m.GetProperty("online").GetBoolean());
            Assert.Equal(users.Length, online);

            var sent = await clients[^1].AckedAsync(id => new { type = "room.send", id, room, body = new { kind = "text", text = "still here" } });
            var seq = sent.Number("seq");
            foreach (var client in clients)
            {
                await client.WaitForAsync(f => f.Type == "room.message" && f.Number("seq") == seq);
            }
        }
        finally
        {
            foreach (var client in clients)
            {
                await client.DisposeAsync();
            }
        }
    }
}
