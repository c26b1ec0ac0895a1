using Microsoft.Extensions.DependencyInjection;
using OrleansChat.Gateway.Sockets;
using OrleansChat.Tests.Infrastructure;

namespace OrleansChat.Tests.EndToEnd;

/// <summary>Frames written straight to the socket (the default on plaintext HTTP/1.1), and the WebSocket path beside them.</summary>
[Collection(GatewayGroup.Name)]
public sealed class DirectOutputTests(GatewayFixture fixture)
{

    private readonly GatewayServer _server = fixture.Server;

    [Fact]
    public async Task A_plaintext_socket_writes_its_frames_straight_to_its_connections_output()
    {
        var id = GatewayServer.UniqueName("direct");
        await using var client = await _server.ConnectAsync(id);

        var connection = Assert.Single(_server.Services.GetRequiredService<ConnectionRegistry>().OfUser(id));
        Assert.NotNull(connection.Output);
    }

    [Fact]
    public async Task Every_upgrade_sees_its_101_before_its_welcome()
    {
        // The welcome is written the moment the socket is up. Written straight to the socket while Kestrel still held
        // the 101 in its pipe, it overtook it in about 2 % of connects (a failed handshake; a throwaway build did
        // that): it must go through the one output, behind the 101. 200 connects stay under the per-address limit.
        var clients = await Task.WhenAll(Enumerable.Range(0, 200).Select(_ => _server.ConnectAsync(GatewayServer.UniqueName("upgrade"))));

        Assert.All(clients, client => Assert.Single(client.Received, f => f.Type == "welcome"));
        await Task.WhenAll(clients.Select(c => c.DisposeAsync().AsTask()));
    }

    [Fact]
    public async Task Pings_are_answered_between_the_frames_of_a_burst()
    {
        // The client pings every 10 ms and gives up when a pong is 2 s late. Pongs leave through Kestrel and the
        // WebSocket while the room's frames go straight to the socket: both must reach the client whole.
        var room = GatewayServer.UniqueName("room");
        await using var alice = await _server.ConnectAsync(GatewayServer.UniqueName("alice"));
        var token = await _server.LoginAsync(GatewayServer.UniqueName("bob"));
        await using var bob = await ChatClient.ConnectAsync(_server.WebSocketUri(token), configure: options =>
        {
            options.KeepAliveInterval = TimeSpan.FromMilliseconds(10);
            options.KeepAliveTimeout = TimeSpan.FromSeconds(2);
        });
        await alice.AckedAsync(id => new { type = "room.join", id, room });
        await bob.AckedAsync(id => new { type = "room.join", id, room });

        await SendBurstAsync(alice, room, 1000);

        await AssertBurstArrivedAsync(bob, 1000);
        Assert.False(bob.Closed.IsCompleted, $"the socket closed: {bob.CloseDescription}");
    }

    [Fact]
    public async Task With_direct_output_off_frames_go_through_the_WebSocket_and_still_arrive()
    {
        await using var server = await GatewayServer.StartAsync(new Dictionary<string, string?> { ["Sockets:DirectOutput"] = "false" });
        var (room, aliceId) = (GatewayServer.UniqueName("room"), GatewayServer.UniqueName("alice"));
        await using var alice = await server.ConnectAsync(aliceId);
        await using var bob = await server.ConnectAsync(GatewayServer.UniqueName("bob"));
        await alice.AckedAsync(id => new { type = "room.join", id, room });
        await bob.AckedAsync(id => new { type = "room.join", id, room });

        // A second gateway starts beside the shared one while the rest of the suite runs: a shorter burst keeps this
        // about the path, not about how fast a cold silo on a busy machine gets through 1,000 sends.
        await SendBurstAsync(alice, room, 200);

        await AssertBurstArrivedAsync(bob, 200);
        Assert.Null(Assert.Single(server.Services.GetRequiredService<ConnectionRegistry>().OfUser(aliceId)).Output);
    }

    private static Task SendBurstAsync(ChatClient sender, string room, int count) =>
        Task.WhenAll(Enumerable.Range(1, count).Select(i =>
            sender.SendAsync(new { type = "room.send", id = sender.NextId(), room, body = new { kind = "text", text = $"m{i}".PadRight(300, '.') } })));

    private static async Task AssertBurstArrivedAsync(ChatClient receiver, int count)
    {
        await receiver.WaitForAsync(f => f.Type == "room.message" && f.Number("seq") == count, TimeSpan.FromSeconds(30));
        var seqs = receiver.Received.Where(f => f.Type == "room.message").Select(f => f.Number("seq")).ToList();
        Assert.Equal(Enumerable.Range(1, count).Select(i => (long)i), seqs);
    }
}
