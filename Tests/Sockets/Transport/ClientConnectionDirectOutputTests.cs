using System.Globalization;
using System.Net.WebSockets;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using OrleansChat.Gateway.Sockets;

namespace OrleansChat.Tests.Sockets.Transport;

public sealed class ClientConnectionDirectOutputTests
{
    [Fact]
    public async Task Staged_frames_wait_for_FlushStaged_and_then_leave_together_in_order()
    {
        await using var socket = await DirectTestSocket.OpenAsync();

        socket.Connection.TryEnqueue(Utf8("a"), WriteMode.Staged);
        socket.Connection.TryEnqueue(Utf8("b"), WriteMode.Staged);
        socket.Connection.TryEnqueue(Utf8("c"));
        socket.Connection.FlushStaged();

        Assert.Equal(["c", "a", "b"], (await socket.ReadAsync(3)).Texts);
    }

    [Fact]
    public async Task A_socket_whose_reader_stalls_gets_every_frame_in_order_once_it_reads_again()
    {
        // 2,000 frames of 1 KB outrun the kernel's buffers: the first writes queue in the socket's output, later
        // frames in the connection's queue, whose writer loop then sends them in batches. Every write mode is mixed in.
        await using var socket = await DirectTestSocket.OpenAsync(new SocketOptions { SendQueueCapacity = 4096 });
        var expected = Enumerable.Range(0, 2000).Select(n => n.ToString(CultureInfo.InvariantCulture).PadRight(1024, '.')).ToList();
        for (var n = 0; n < expected.Count; n++)
        {
            // Staged frames wait for the flush, so (as a lane does) three are staged and flushed before the next write.
            var mode = (n % 6) switch { 0 => WriteMode.Inline, 1 => WriteMode.Queued, 2 => WriteMode.Immediate, _ => WriteMode.Staged };
            socket.Connection.TryEnqueue(Utf8(expected[n]), mode);
            if (n % 6 == 5)
            {
                socket.Connection.FlushStaged();
            }
        }

        Assert.Equal(expected, (await socket.ReadAsync(expected.Count)).Texts);
    }

    [Fact]
    public async Task The_close_frame_follows_every_frame_queued_before_it()
    {
        await using var socket = await DirectTestSocket.OpenAsync();
        var expected = Enumerable.Range(0, 500).Select(n => n.ToString(CultureInfo.InvariantCulture).PadRight(512, '.')).ToList();
        expected.ForEach(text => socket.Connection.TryEnqueue(Utf8(text)));

        socket.Connection.Close(WebSocketCloseStatus.PolicyViolation, "bye", flush: true);

        var (texts, close) = await socket.ReadAsync(expected.Count + 1);
        Assert.Equal(expected, texts);
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, close);
    }

    [Fact]
    public async Task A_lane_that_fell_behind_writes_each_socket_all_its_waiting_frames_in_order()
    {
        // The lane's first socket holds the lane until released, so every later fan-out is waiting when it resumes:
        // the lane must then stage them and write each socket's frames together, in the order they were posted.
        using var lanes = new FanoutLanes(1, NullLogger.Instance);
        using var blocker = new TestSocket(slow: false);
        using var release = new ManualResetEventSlim();
        blocker.Connection.UseEncoder(new BlockingEncoder(release));
        var sockets = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => DirectTestSocket.OpenAsync()));
        var targets = sockets.Select(s => s.Connection).Prepend(blocker.Connection).ToArray();

        var expected = Enumerable.Range(0, 100).Select(n => n.ToString(CultureInfo.InvariantCulture)).ToList();
        expected.ForEach(text => lanes.Post(targets, Utf8(text)));
        release.Set();

        foreach (var socket in sockets)
        {
            Assert.Equal(expected, (await socket.ReadAsync(expected.Count)).Texts);
            await socket.DisposeAsync();
        }
    }

    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    private sealed class BlockingEncoder(ManualResetEventSlim release) : IOutboundEncoder
    {
        public bool TryEnqueue(ReadOnlyMemory<byte> utf8Frame, WriteMode mode) => release.Wait(TimeSpan.FromSeconds(30));
    }
}
