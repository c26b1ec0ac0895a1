using System.Globalization;
using System.Net.WebSockets;
using System.Text;
using OrleansChat.Gateway.Sockets;
using OrleansChat.Model;
using OrleansChat.Tests.Infrastructure;

namespace OrleansChat.Tests.Sockets;

public sealed class ClientConnectionWriteTests
{
    [Fact]
    public async Task Every_socket_gets_every_frame_in_order_whether_it_is_written_inline_late_or_queued()
    {
        // Every third socket completes some writes late: those sends go pending, later frames queue behind them, and
        // the next ones must not overtake the queue once the pending send is done. Frames alternate between the
        // writer's calls, as replies (Send), room fan-outs (SendNow) and a lane that fell behind (several at once) do.
        var sockets = Enumerable.Range(0, 30).Select(i => new TestSocket(slow: i % 3 == 0)).ToArray();
        var running = sockets.Select(s => s.Connection.RunAsync(new IgnoreFrames())).ToArray();

        const int Frames = 300;
        var producers = Enumerable.Range(0, 3).Select(p => Task.Run(async () =>
        {
            // Three producers, each over its own sockets: the order promised is per producer and socket.
            for (var n = 0; n < Frames; n++)
            {
                var payload = Encoding.UTF8.GetBytes(n.ToString(CultureInfo.InvariantCulture));
                foreach (var socket in sockets.Where((_, i) => i % 3 == p))
                {
                    Send(socket.Connection.Writer, payload, n);
                }

                if (n % 10 == 9)
                {
                    await Task.Delay(1); // paced, so frames keep arriving while late writes complete and queues drain
                }
            }
        })).ToArray();
        await Task.WhenAll(producers);

        var expected = Enumerable.Range(0, Frames).Select(n => n.ToString(CultureInfo.InvariantCulture)).ToList();
        await TestSocket.AssertEachReceivedAsync(sockets, _ => expected);
        await TestSocket.CloseAllAsync(sockets, running);
    }

    [Fact]
    public async Task Through_the_WebSocket_a_client_with_a_full_queue_is_closed_with_1013_after_the_frame_on_its_way()
    {
        // The first write stalls (a client that reads nothing): the next 4 frames fill the queue, the one after
        // that closes the socket. Once the stalled write completes, the close frame follows it; the queue is dropped.
        using var release = new SemaphoreSlim(0);
        var stream = new GatedStream(release);
        var socket = WebSocket.CreateFromStream(stream, new WebSocketCreationOptions { IsServer = true, KeepAliveInterval = Timeout.InfiniteTimeSpan });
        using var connection = new ClientConnection("c", new UserProfile("u", "u", null), socket, new SocketOptions { SendQueueCapacity = 4 }, TimeProvider.System);

        for (var n = 0; n < 5; n++)
        {
            connection.Writer.SendNow(Encoding.UTF8.GetBytes(n.ToString(CultureInfo.InvariantCulture)));
            Assert.False(connection.IsClosing, $"frame {n} fits: one on its way, at most 4 waiting");
        }

        connection.Writer.Send("5"u8.ToArray());
        Assert.True(connection.IsClosing, "the sixth frame found 4 waiting");

        release.Release(int.MaxValue / 2);
        await Eventually.TrueAsync(() => stream.Written().Length >= 3 + 4, "the close frame was written");
        var written = stream.Written();
        Assert.Equal(new byte[] { 0x81, 1, (byte)'0', 0x88 }, written[..4]); // frame 0, then the close frame
        Assert.Equal(1013, (written[5] << 8) | written[6]);
    }

    private static void Send(ConnectionWriter writer, byte[] payload, int n)
    {
        switch (n % 3)
        {
            case 0:
                writer.Send(payload);
                break;
            case 1:
                writer.SendNow(payload);
                break;
            default:
                writer.SendNow([payload]);
                break;
        }
    }
}

/// <summary>A stream whose writes wait for the test to release them, recording what is written; reads never end.</summary>
internal sealed class GatedStream(SemaphoreSlim release) : Stream
{
    private readonly MemoryStream _written = new();
    private readonly Lock _lock = new();

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public byte[] Written()
    {
        lock (_lock)
        {
            return _written.ToArray();
        }
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        await release.WaitAsync(cancellationToken);
        lock (_lock)
        {
            _written.Write(buffer.Span);
        }
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        await Task.Delay(Timeout.Infinite, cancellationToken);
        return 0;
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override void Flush()
    {
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();
}
