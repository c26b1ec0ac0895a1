using System.Text;
using OrleansChat.Gateway.Sockets;

namespace OrleansChat.Tests.Sockets;

public sealed class FanoutLanesTests
{
    [Fact]
    public async Task Every_socket_gets_every_fanned_out_frame_in_order_across_lanes_and_late_writes()
    {
        using var lanes = new FanoutLanes(3);
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
}
