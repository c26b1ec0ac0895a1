using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;

namespace OrleansChat.Tests.Infrastructure;

/// <summary>
/// A TCP proxy on 127.0.0.1 in front of a server (PostgreSQL, Redis) that can hold back every answer by
/// <see cref="Latency"/>, changed at any time: a slow or far backend without touching the backend. Latency, not a
/// bandwidth cap: each chunk the server sends is forwarded <see cref="Latency"/> after it arrived, in order, so
/// pipelined answers are all late by the same amount. When the server refuses a connection the proxy closes the
/// client's, as a dead server would. Disposing closes every connection.
/// </summary>
public sealed class LatencyProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly int _upstreamPort;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;
    private long _latencyTicks;

    public LatencyProxy(int upstreamPort)
    {
        _upstreamPort = upstreamPort;
        _listener.Start();
        _accepting = Task.Run(AcceptAsync);
    }

    /// <summary>The port to connect to instead of the server's.</summary>
    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>How late the server's answers reach the client (zero: forwarded at once).</summary>
    public TimeSpan Latency
    {
        get => TimeSpan.FromTicks(Interlocked.Read(ref _latencyTicks));
        set => Interlocked.Exchange(ref _latencyTicks, value.Ticks);
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            _ = Task.Run(() => RelayAsync(client));
        }
    }

    private async Task RelayAsync(TcpClient client)
    {
        using (client)
        using (var server = new TcpClient())
        {
            try
            {
                await server.ConnectAsync(IPAddress.Loopback, _upstreamPort, _stop.Token);
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException)
            {
                return; // the server is down: so is this connection
            }

            client.NoDelay = server.NoDelay = true;
            using var done = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
            var toServer = CopyAsync(client.GetStream(), server.GetStream(), delayed: false, done.Token);
            var toClient = CopyAsync(server.GetStream(), client.GetStream(), delayed: true, done.Token);
            await Task.WhenAny(toServer, toClient);
            await done.CancelAsync(); // one side closed: close both, as the server closing its socket would
            await Task.WhenAll(toServer, toClient);
        }
    }

    /// <summary>Reads chunks and forwards each one when it is due (its arrival plus the latency, if delayed).</summary>
    private async Task CopyAsync(NetworkStream from, NetworkStream to, bool delayed, CancellationToken cancel)
    {
        var chunks = Channel.CreateUnbounded<(byte[] Data, long Due)>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        var forwarding = ForwardAsync(chunks.Reader, to, cancel);
        try
        {
            var buffer = new byte[16 * 1024];
            while (true)
            {
                var read = await from.ReadAsync(buffer, cancel);
                if (read == 0)
                {
                    break;
                }

                var due = Stopwatch.GetTimestamp() + (delayed ? Latency.Ticks * Stopwatch.Frequency / TimeSpan.TicksPerSecond : 0);
                chunks.Writer.TryWrite((buffer[..read], due));
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // the connection ended
        }

        chunks.Writer.TryComplete();
        await forwarding;
    }

    private static async Task ForwardAsync(ChannelReader<(byte[] Data, long Due)> chunks, NetworkStream to, CancellationToken cancel)
    {
        try
        {
            await foreach (var (data, due) in chunks.ReadAllAsync(cancel))
            {
                // Task.Delay works in whole milliseconds of a timer that may fire a little early: wait again until due,
                // so an answer is never earlier than the latency promises (a test measured 897 ms for 3 x 300 ms).
                TimeSpan wait;
                while ((wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due)) > TimeSpan.Zero)
                {
                    await Task.Delay(wait < TimeSpan.FromMilliseconds(1) ? TimeSpan.FromMilliseconds(1) : wait, cancel);
                }

                await to.WriteAsync(data, cancel);
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // the connection ended
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
        _stop.Dispose();
    }
}
