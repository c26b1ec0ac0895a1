using System.Diagnostics;
using System.Net.WebSockets;
using OrleansChat.Tests.Infrastructure;

namespace OrleansChat.Tests.EndToEnd;

[Collection(TightGatewayGroup.Name)]
public sealed class SlowAndIdleClientTests(TightGatewayFixture fixture)
{
    private readonly GatewayServer _server = fixture.Server;

    [Fact]
    public async Task A_silent_connection_is_closed_after_the_idle_timeout_and_a_pinging_one_is_not()
    {
        await using var silent = await _server.ConnectAsync(GatewayServer.UniqueName("silent"));
        await using var pinging = await _server.ConnectAsync(GatewayServer.UniqueName("pinging"));
        var watch = Stopwatch.StartNew();
        while (!silent.Closed.IsCompleted && watch.Elapsed < TightGatewayFixture.IdleTimeout * 4)
        {
            await pinging.AckedAsync(id => new { type = "ping", id });
            await Task.WhenAny(silent.Closed, Task.Delay(TightGatewayFixture.IdleTimeout / 4));
        }

        Assert.Equal((WebSocketCloseStatus)4000, await silent.Closed.WaitAsync(TimeSpan.FromSeconds(1)));
        Assert.True(watch.Elapsed >= TightGatewayFixture.IdleTimeout * 0.9, $"closed after {watch.Elapsed}");
        Assert.False(pinging.Closed.IsCompleted);
        await pinging.AckedAsync(id => new { type = "ping", id });
    }

    [Fact]
    public async Task A_stalled_client_is_disconnected_and_does_not_delay_the_others()
    {
        var room = GatewayServer.UniqueName("room");
        var stalledToken = await _server.LoginAsync(GatewayServer.UniqueName("stalled"));
        await using var stalled = await ChatClient.ConnectAsync(_server.WebSocketUri(stalledToken), receive: false);
        await stalled.SendAsync(new { type = "room.join", id = "j", room });
        await using var sender = await _server.ConnectAsync(GatewayServer.UniqueName("sender"));
        await using var reader = await _server.ConnectAsync(GatewayServer.UniqueName("reader"));
        await sender.AckedAsync(id => new { type = "room.join", id, room });
        await reader.AckedAsync(id => new { type = "room.join", id, room });
        await reader.WaitForMemberCountAsync(room, 3); // the stalled client has joined

        // Big messages (3 UTF-8 bytes a character) fill the stalled socket's TCP buffers, then its bounded
        // queue; the sender waits every 20 so a reading client's queue never holds more than a burst.
        const int Messages = 600;
        var text = new string('中', 3900);
        for (var i = 0; i < Messages; i++)
        {
            await sender.SendAsync(new { type = "room.send", id = $"s{i}", room, body = new { kind = "text", text } });
            if (i % 20 == 19)
            {
                // The stalled client keeps writing (so it is never idle) while reading nothing.
                await stalled.SendAsync(new { type = "ping" }).ContinueWith(_ => { }, TaskScheduler.Default);
                await reader.AckedAsync(id => new { type = "ping", id });
                await reader.WaitForAsync(f => f.Type == "room.message" && f.Str("id") == $"s{i}");
            }
        }

        await reader.WaitForAsync(f => f.Type == "room.message" && f.Str("id") == $"s{Messages - 1}");
        Assert.Equal(Messages, reader.Count(f => f.Type == "room.message"));
        await Eventually.TrueAsync(async () =>
        {
            var members = await reader.AckedAsync(id => new { type = "room.members", id, room });
            return members.Json.GetProperty("members").EnumerateArray().Count(m => m.GetProperty("online").GetBoolean()) == 2;
        }, "the stalled client was disconnected");
    }
}
