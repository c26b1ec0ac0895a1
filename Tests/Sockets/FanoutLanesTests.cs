using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using OrleansChat.Gateway.Sockets;

namespace OrleansChat.Tests.Sockets;

public sealed class FanoutLanesTests
{
    [Fact]
    public async Task Every_socket_gets_every_fanned_out_frame_in_order_across_lanes_and_late_writes()
    {
        using var lanes = new FanoutLanes(3, NullLogger.Instance);
        // Every third socket completes some writes late: those sends go pending, later frames queue behind them, and
        // the next ones must not overtake the queue once the pending send is done.
        var sockets = Enumerable.Range(0, 30).Select(i => new TestSocket(slow: i % 3 == 0)).ToArray();
        var running = sockets.Select(s => s.Connection.RunAsync(new IgnoreFrames())).ToArray();
        var targets = sockets.Select(s => s.Connection).ToArray();

        const int Frames = 300;
        for (var n = 0; n < Frames; n++)
        {
            lanes.Post(n % 2 == 0 ? targets : targets[..20], Encoding.UTF8.GetBytes(n.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            if (n % 10 == 9)
            {
                await Task.Delay(1); // paced, so frames keep arriving while late writes complete and queues drain
            }
        }

        var expectedAll = Enumerable.Range(0, Frames).Select(n => n.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToList();
        var expectedEven = expectedAll.Where((_, n) => n % 2 == 0).ToList();
        await TestSocket.AssertEachReceivedAsync(sockets, i => i < 20 ? expectedAll : expectedEven);
        await TestSocket.CloseAllAsync(sockets, running);
    }

    [Fact]
    public async Task A_socket_that_fails_does_not_stop_its_lane()
    {
        using var lanes = new FanoutLanes(1, NullLogger.Instance);
        var (broken, healthy) = (new TestSocket(slow: false), new TestSocket(slow: false));
        broken.Connection.Writer.UseTransform(new ThrowingTransform());
        var running = new[] { broken.Connection.RunAsync(new IgnoreFrames()), healthy.Connection.RunAsync(new IgnoreFrames()) };

        foreach (var n in new[] { "1", "2", "3" })
        {
            lanes.Post([broken.Connection, healthy.Connection], Encoding.UTF8.GetBytes(n));
        }

        await TestSocket.AssertEachReceivedAsync([healthy], _ => ["1", "2", "3"]);
        await TestSocket.CloseAllAsync([broken, healthy], running);
    }

    private sealed class ThrowingTransform : IFrameTransform
    {
        public bool TryEncode(ReadOnlyMemory<byte> utf8Json, out OutboundFrame wire) => throw new ObjectDisposedException("session");
    }
}
