using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using OrleansChat.Gateway.Sockets;
using OrleansChat.Gateway.Sockets.Transport;
using OrleansChat.Model;

namespace OrleansChat.Tests.Sockets.Transport;

/// <summary>
/// A <see cref="ClientConnection"/> wired as the gateway wires one on plaintext HTTP/1.1: its data frames go straight
/// to a <see cref="SocketOutput"/> over a real TCP connection, and its WebSocket (close frames, pongs) writes through
/// the same output. The other end is a client WebSocket that reads only when asked to.
/// </summary>
internal sealed class DirectTestSocket : IAsyncDisposable
{
    private readonly LoopbackPair _pair;
    private readonly WebSocket _client;
    private readonly Task _running;

    private DirectTestSocket(LoopbackPair pair, ClientConnection connection, WebSocket client)
    {
        (_pair, Connection, _client) = (pair, connection, client);
        _running = connection.RunAsync(new IgnoreFrames());
    }

    public ClientConnection Connection { get; }

    public static async Task<DirectTestSocket> OpenAsync(SocketOptions? options = null)
    {
        var pair = await LoopbackPair.OpenAsync();
        var input = new NetworkStream(pair.Server); // before the output makes the socket non-blocking, which NetworkStream refuses
        var output = new SocketOutput(pair.Server);
        var noKeepAlive = Timeout.InfiniteTimeSpan;
        var server = WebSocket.CreateFromStream(new OutputStream(input, output), new WebSocketCreationOptions { IsServer = true, KeepAliveInterval = noKeepAlive });
        var client = WebSocket.CreateFromStream(new NetworkStream(pair.Client), new WebSocketCreationOptions { IsServer = false, KeepAliveInterval = noKeepAlive });
        var connection = new ClientConnection(Guid.NewGuid().ToString("N"), new UserProfile("u", "u", null), server, options ?? new SocketOptions(), TimeProvider.System, output);
        return new DirectTestSocket(pair, connection, client);
    }

    /// <summary>Reads text messages until <paramref name="count"/> have come or the server closed; returns them and the close status.</summary>
    public async Task<(List<string> Texts, WebSocketCloseStatus? Close)> ReadAsync(int count)
    {
        var texts = new List<string>();
        var buffer = new byte[128 * 1024];
        while (texts.Count < count)
        {
            var length = 0;
            ValueWebSocketReceiveResult result;
            do
            {
                result = await _client.ReceiveAsync(buffer.AsMemory(length), CancellationToken.None).AsTask().WaitAsync(TimeSpan.FromSeconds(30));
                length += result.Count;
            }
            while (!result.EndOfMessage);

            if (result.MessageType == WebSocketMessageType.Close)
            {
                return (texts, _client.CloseStatus);
            }

            texts.Add(Encoding.UTF8.GetString(buffer, 0, length));
        }

        return (texts, null);
    }

    public async ValueTask DisposeAsync()
    {
        Connection.Close(WebSocketCloseStatus.NormalClosure, "done", flush: false);
        _client.Abort();
        await _running.WaitAsync(TimeSpan.FromSeconds(10));
        Connection.Dispose();
        _client.Dispose();
        _pair.Dispose();
    }

    /// <summary>What Kestrel's upgraded stream is to the WebSocket: reads from the connection, writes into its output.</summary>
    private sealed class OutputStream(NetworkStream input, SocketOutput output) : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => input.ReadAsync(buffer, cancellationToken);

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
            await output.WriteAsync(buffer, cancellationToken); // the PipeWriter side, as Kestrel writes

        public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                input.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
