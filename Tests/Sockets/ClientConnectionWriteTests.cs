using System.Globalization;
using System.Text;
using OrleansChat.Gateway.Sockets;

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
