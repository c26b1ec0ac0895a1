using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using OrleansChat.Gateway.Sockets;
using OrleansChat.Protocol;
using OrleansChat.Tests.Infrastructure;

namespace OrleansChat.Tests.EndToEnd;

/// <summary>A gateway whose limits let every documented close code be provoked quickly.</summary>
public sealed class CloseCodeFixture : IAsyncLifetime
{
    public static readonly TimeSpan IdleTimeout = TimeSpan.FromSeconds(3);

    public GatewayServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await GatewayServer.StartAsync(new Dictionary<string, string?>
    {
        ["Security:Encryption"] = "Optional",
        ["Sockets:IdleTimeout"] = IdleTimeout.ToString(),
        ["Sockets:SendQueueCapacity"] = "16",
        ["Sockets:CloseTimeout"] = "00:00:30", // long enough for a stalled client to catch up and read its close frame
    });

    public async Task DisposeAsync() => await Server.DisposeAsync();
}

/// <summary>
/// Every close code of docs/protocol.md's table that the gateway sends on its own, over real Kestrel and real client
/// WebSockets: 1008, 1009, 1012, 1013 and 4000.
/// </summary>
public sealed class CloseCodeTests(CloseCodeFixture fixture) : IClassFixture<CloseCodeFixture>
{
    private readonly GatewayServer _server = fixture.Server;

    [Fact]
    public async Task A_bad_hello_closes_with_1008()
    {
        await using var client = await _server.ConnectAsync(GatewayServer.UniqueName("hello"));

        await client.SendAsync(new { type = "hello", id = "h1" }); // no keyId, no key

        Assert.Equal((WebSocketCloseStatus)1008, await client.Closed.WaitAsync(Eventually.DefaultTimeout));
    }

    [Fact]
    public async Task A_message_over_MaxFrameBytes_closes_with_1009()
    {
        await using var client = await _server.ConnectAsync(GatewayServer.UniqueName("big"));

        await client.SendRawAsync(JsonSerializer.Serialize(new { type = "ping", id = "p", pad = new string('x', 70_000) }));

        Assert.Equal((WebSocketCloseStatus)1009, await client.Closed.WaitAsync(Eventually.DefaultTimeout));
    }

    [Fact]
    public async Task A_gateway_that_shuts_down_closes_with_1012()
    {
        await using var server = await GatewayServer.StartAsync();
        await using var client = await server.ConnectAsync(GatewayServer.UniqueName("drain"));

        await server.StopAsync();

        Assert.Equal((WebSocketCloseStatus)1012, await client.Closed.WaitAsync(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task A_client_that_does_not_read_is_closed_with_1013_after_what_was_queued_for_it()
    {
        var (room, slowId) = (GatewayServer.UniqueName("room"), GatewayServer.UniqueName("slow"));
        using var slow = await SlowReader.ConnectAsync(_server.WebSocketUri(await _server.LoginAsync(slowId)));
        await slow.SendAsync(new { type = "room.join", id = "j", room });
        await using var sender = await _server.ConnectAsync(GatewayServer.UniqueName("sender"));
        await sender.AckedAsync(id => new { type = "room.join", id, room });
        await sender.WaitForMemberCountAsync(room, 2);

        // Frames of ~12 KB fill the kernel's buffers, then the send queue (16 frames); the slow client keeps sending
        // pings, so the idle timeout is not what closes it.
        var text = new string('中', 3900);
        for (var i = 0; !IsClosing(slowId); i++)
        {
            Assert.True(i < 2000, "2,000 frames of 12 KB should overflow a 16-frame queue of a client that reads nothing");
            await sender.SendAsync(new { type = "room.send", id = $"s{i}", room, body = new { kind = "text", text } });
            if (i % 10 == 9)
            {
                await slow.SendAsync(new { type = "ping" });
                await sender.AckedAsync(id => new { type = "ping", id });
            }
        }

        Assert.Equal((WebSocketCloseStatus)1013, await slow.ReadUntilClosedAsync());
    }

    [Fact]
    public async Task A_client_that_sends_nothing_for_the_idle_timeout_is_closed_with_4000()
    {
        await using var client = await _server.ConnectAsync(GatewayServer.UniqueName("idle"));

        Assert.Equal((WebSocketCloseStatus)4000, await client.Closed.WaitAsync(CloseCodeFixture.IdleTimeout * 4));
    }

    private bool IsClosing(string userId) =>
        _server.Services.GetRequiredService<ConnectionRegistry>().OfUser(userId) is var local && (local.Length == 0 || local.All(c => c.IsClosing));

    /// <summary>A client WebSocket over a socket with a 4 KB receive buffer, which reads only when told to.</summary>
    private sealed class SlowReader : IDisposable
    {
        private readonly HttpMessageInvoker _invoker;
        private readonly ClientWebSocket _socket = new();

        private SlowReader(HttpMessageInvoker invoker) => _invoker = invoker;

        public static async Task<SlowReader> ConnectAsync(Uri uri)
        {
            var handler = new SocketsHttpHandler
            {
                ConnectCallback = async (context, cancellation) =>
                {
                    var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true, ReceiveBufferSize = 4096 };
                    await socket.ConnectAsync(context.DnsEndPoint, cancellation);
                    return new NetworkStream(socket, ownsSocket: true);
                },
            };
            var reader = new SlowReader(new HttpMessageInvoker(handler));
            reader._socket.Options.KeepAliveInterval = Timeout.InfiniteTimeSpan;
            await reader._socket.ConnectAsync(uri, reader._invoker, CancellationToken.None);
            return reader;
        }

        public Task SendAsync(object frame) => _socket.SendAsync(
            Encoding.UTF8.GetBytes(JsonSerializer.Serialize(frame, ProtocolJson.Options)), WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);

        /// <summary>Reads (and drops) everything the server had queued, up to its close frame; returns the close status.</summary>
        public async Task<WebSocketCloseStatus?> ReadUntilClosedAsync()
        {
            var buffer = new byte[64 * 1024];
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            while ((await _socket.ReceiveAsync(buffer, deadline.Token)).MessageType != WebSocketMessageType.Close)
            {
            }

            return _socket.CloseStatus;
        }

        public void Dispose()
        {
            _socket.Dispose();
            _invoker.Dispose();
        }
    }
}
