using System.Globalization;
using System.Net.WebSockets;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using OrleansChat.Gateway.Sockets;

namespace OrleansChat.Tests.Sockets.Transport;

public sealed class ClientConnectionDirectOutputTests
{
    [Fact]
    public async Task Frames_sent_now_do_not_overtake_one_waiting_for_its_flush()
    {
        await using var socket = await DirectTestSocket.OpenAsync();

        socket.Connection.Writer.Send(Utf8("a"));
        socket.Connection.Writer.SendNow([Utf8("b"), Utf8("c")]);
        socket.Connection.Writer.SendNow(Utf8("d"));

        Assert.Equal(["a", "b", "c", "d"], (await socket.ReadAsync(4)).Texts);
    }

    [Fact]
    public async Task A_socket_whose_reader_stalls_gets_every_frame_in_order_once_it_reads_again()
    {
        // 2,000 frames of 1 KB outrun the kernel's buffers: most wait in the socket's output, whose drain loop sends
        // them once the reader reads. Every way of sending is mixed in: for the next flush, now, several at once.
        await using var socket = await DirectTestSocket.OpenAsync(new SocketOptions { SendQueueCapacity = 4096 });
        var expected = Enumerable.Range(0, 2000).Select(n => n.ToString(CultureInfo.InvariantCulture).PadRight(1024, '.')).ToList();
        for (var n = 0; n < expected.Count; n += 4)
        {
            socket.Connection.Writer.Send(Utf8(expected[n]));
            socket.Connection.Writer.SendNow(Utf8(expected[n + 1]));
            socket.Connection.Writer.SendNow([Utf8(expected[n + 2]), Utf8(expected[n + 3])]);
        }

        Assert.Equal(expected, (await socket.ReadAsync(expected.Count)).Texts);
    }

    [Fact]
    public async Task Frames_larger_than_the_pooled_chunks_arrive_whole_and_in_order()
    {
        // The send queue's chunks are pooled up to 16 KB; a larger frame gets a chunk of its own, dropped once sent.
        await using var socket = await DirectTestSocket.OpenAsync(new SocketOptions { SendQueueCapacity = 4096 });
        int[] sizes = [100, 20 * 1024, 4096, 70 * 1024, 16 * 1024, 16 * 1024 + 1];
        var expected = Enumerable.Range(0, 300).Select(n => n.ToString(CultureInfo.InvariantCulture).PadRight(sizes[n % sizes.Length], 'x')).ToList();
        foreach (var text in expected)
        {
            socket.Connection.Writer.SendNow(Utf8(text));
        }

        Assert.Equal(expected, (await socket.ReadAsync(expected.Count)).Texts);
    }

    [Fact]
    public async Task The_close_frame_follows_every_frame_queued_before_it()
    {
        await using var socket = await DirectTestSocket.OpenAsync();
        var expected = Enumerable.Range(0, 500).Select(n => n.ToString(CultureInfo.InvariantCulture).PadRight(512, '.')).ToList();
        expected.ForEach(text => socket.Connection.Writer.Send(Utf8(text)));

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
        blocker.Connection.Writer.UseTransform(new BlockingTransform(release));
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

    private sealed class BlockingTransform(ManualResetEventSlim release) : IFrameTransform
    {
        public bool TryEncode(ReadOnlyMemory<byte> utf8Json, out OutboundFrame wire)
        {
            wire = default;
            return !release.Wait(TimeSpan.FromSeconds(30)); // holds the lane, then drops the frame
        }
    }
}
