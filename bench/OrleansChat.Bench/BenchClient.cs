using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;
using System.Threading.Channels;

namespace OrleansChat.Bench;

/// <summary>
/// One load-generator connection: a single send loop fed by a channel (so the pacer never waits on a socket) and a
/// receive loop that does not parse JSON: it looks for the bench marker in message texts and for the <c>re</c> of
/// replies it waits on, with span searches over the first chunk of each frame.
/// </summary>
internal sealed class BenchClient
{
    private const int ReceiveBufferBytes = 4096;

    // "@@<step>:<stopwatch ticks>@@" inside the message text: the step it belongs to and its scheduled send time.
    private static readonly byte[] Marker = "\"text\":\"@@"u8.ToArray();
    private static readonly byte[] ReMarker = "\"re\":\""u8.ToArray();
    private static readonly byte[] AckType = "\"type\":\"ack\""u8.ToArray();
    private static readonly byte[] ErrorType = "\"type\":\"error\""u8.ToArray();
    private static readonly byte[] PongType = "\"type\":\"pong\""u8.ToArray();
    private static readonly byte[] WelcomeType = "\"type\":\"welcome\""u8.ToArray();

    private readonly ClientWebSocket _socket = new();
    private readonly Channel<byte[]> _outbound = Channel.CreateUnbounded<byte[]>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ConcurrentDictionary<string, TaskCompletionSource<string?>> _waiting = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource _welcomed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Metrics _metrics;

    public BenchClient(string userId, string token, Uri server, Metrics metrics)
    {
        UserId = userId;
        Token = token;
        Server = server;
        _metrics = metrics;
        _socket.Options.KeepAliveInterval = TimeSpan.Zero;
        _socket.Options.CollectHttpResponseDetails = true; // a refused upgrade's status and Retry-After
    }

    public string UserId { get; }

    public string Token { get; }

    /// <summary>The server (gateway) this client logged in at and connects to.</summary>
    public Uri Server { get; }

    public bool Open => _socket.State == WebSocketState.Open;

    /// <summary>Completes when the server's welcome frame arrives: the connect is done server-side too.</summary>
    public Task Welcomed => _welcomed.Task;

    /// <summary>After a failed connect: the HTTP status of the refused upgrade (0 if there was none).</summary>
    public int RefusedStatus => (int)_socket.HttpStatusCode;

    /// <summary>After a refused upgrade: its Retry-After in seconds, if it had one.</summary>
    public int? RetryAfterSeconds =>
        _socket.HttpResponseHeaders is { } headers && headers.TryGetValue("Retry-After", out var values)
            && int.TryParse(values.FirstOrDefault(), out var seconds) ? seconds : null;

    public async Task ConnectAsync(CancellationToken cancel)
    {
        var ws = new UriBuilder(Server) { Scheme = Server.Scheme == "https" ? "wss" : "ws", Path = "/ws", Query = "access_token=" + Uri.EscapeDataString(Token) }.Uri;
        await _socket.ConnectAsync(ws, cancel);
        _socket.HttpResponseHeaders = null; // kept only for refusals
        _ = Task.Run(ReceiveLoopAsync, CancellationToken.None);
        _ = Task.Run(SendLoopAsync, CancellationToken.None);
    }

    /// <summary>Drops the connection without a closing handshake, as a network failure or a dead peer would.</summary>
    public void Abort()
    {
        _outbound.Writer.TryComplete();
        _socket.Abort();
    }

    public void Enqueue(byte[] frame) => _outbound.Writer.TryWrite(frame);

    /// <summary>Sends a frame whose id is <paramref name="id"/> and waits for its reply: null for an ack, else the error frame.</summary>
    public async Task<string?> RequestAsync(string id, string json, TimeSpan timeout)
    {
        var reply = new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);
        _waiting[id] = reply;
        Enqueue(Encoding.UTF8.GetBytes(json));
        try
        {
            return await reply.Task.WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            _waiting.TryRemove(id, out _);
            return $"timeout waiting for the reply to {id}";
        }
    }

    public async Task CloseAsync()
    {
        _outbound.Writer.TryComplete();
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bye", timeout.Token);
        }
        catch (Exception)
        {
            // Going away anyway.
        }

        _socket.Abort();
    }

    private async Task SendLoopAsync()
    {
        try
        {
            var reader = _outbound.Reader;
            while (await reader.WaitToReadAsync())
            {
                while (reader.TryRead(out var frame))
                {
                    await _socket.SendAsync(frame, WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);
                }
            }
        }
        catch (Exception)
        {
            Interlocked.Increment(ref _metrics.SendFailures);
        }
    }

    private async Task ReceiveLoopAsync()
    {
        var buffer = new byte[ReceiveBufferBytes];
        var continuing = false;
        try
        {
            while (true)
            {
                var result = await _socket.ReceiveAsync(buffer.AsMemory(), CancellationToken.None);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    _metrics.Closed(_socket.CloseStatus, _socket.CloseStatusDescription);
                    return;
                }

                if (!continuing)
                {
                    OnFrame(buffer.AsSpan(0, result.Count));
                }

                // Only the first chunk of a frame is looked at: the marker and "re" are near its start.
                continuing = !result.EndOfMessage;
            }
        }
        catch (Exception)
        {
            if (!_outbound.Reader.Completion.IsCompleted)
            {
                _metrics.Closed(null, "dropped");
            }
        }
    }

    private void OnFrame(ReadOnlySpan<byte> frame)
    {
        Interlocked.Increment(ref _metrics.Frames);
        var now = Stopwatch.GetTimestamp();
        var at = frame.IndexOf(Marker);
        if (at >= 0)
        {
            var rest = frame[(at + Marker.Length)..];
            if (Utf8Parser.TryParse(rest, out int step, out var used) && rest[used] == (byte)':'
                && Utf8Parser.TryParse(rest[(used + 1)..], out long sentAt, out _))
            {
                _metrics.Delivered(step, sentAt, now);
            }

            return;
        }

        var head = frame[..Math.Min(frame.Length, 48)];
        if (head.IndexOf(PongType) >= 0)
        {
            Interlocked.Increment(ref _metrics.Pongs);
            return;
        }

        if (head.IndexOf(WelcomeType) >= 0)
        {
            _welcomed.TrySetResult();
            return;
        }

        var isError = head.IndexOf(ErrorType) >= 0;
        if (!isError && head.IndexOf(AckType) < 0)
        {
            return;
        }

        var re = frame.IndexOf(ReMarker);
        if (re < 0)
        {
            return;
        }

        var idStart = frame[(re + ReMarker.Length)..];
        var end = idStart.IndexOf((byte)'"');
        if (end <= 0)
        {
            return;
        }

        var id = idStart[..end];
        if (id[0] == (byte)'w')
        {
            if (_waiting.TryRemove(Encoding.UTF8.GetString(id), out var waiter))
            {
                waiter.TrySetResult(isError ? Encoding.UTF8.GetString(frame) : null);
            }
        }
        else if (isError)
        {
            _metrics.SendError(Encoding.UTF8.GetString(frame));
        }
    }
}
