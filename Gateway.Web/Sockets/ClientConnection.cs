using System.Buffers;
using System.Net.WebSockets;
using OrleansChat.Gateway.Sockets.Transport;
using OrleansChat.Model;

namespace OrleansChat.Gateway.Sockets;

/// <summary>What a connection hands each complete client message to; the protocol side implements it.</summary>
public interface IFrameHandler
{
    ValueTask OnMessageAsync(WebSocketMessageType type, ReadOnlyMemory<byte> payload);
}

/// <summary>
/// One client WebSocket: a receive loop that assembles messages up to a size limit, and its <see cref="Writer"/>, the
/// one way frames leave. Knows bytes, not the protocol. On a plaintext HTTP/1.1 connection the writer writes data
/// frames itself, straight to the connection's <see cref="SocketOutput"/>, several in one write when several are
/// waiting; otherwise through the <see cref="WebSocket"/>, which also writes the control frames (close, pong) in both
/// cases.
/// </summary>
public sealed class ClientConnection : IDisposable
{
    /// <summary>1013 (Try Again Later, RFC 6455 7.4.1 as registered with IANA): the client does not read fast enough.</summary>
    public const WebSocketCloseStatus TryAgainLater = (WebSocketCloseStatus)1013;

    private const int ReceiveChunkBytes = 4096;

    private static int s_lastOrdinal;

    private readonly WebSocket _socket;
    private readonly SocketOptions _options;
    private readonly CancellationTokenSource _abort = new();
    private readonly TimeProvider _time;
    private byte[] _receiveBuffer = [];
    private CloseRequest? _close;
    private long _lastReceived;

    /// <param name="output">
    /// Where data frames go as bytes; null: through the WebSocket (TLS, HTTP/2, or direct writes switched off).
    /// </param>
    public ClientConnection(string id, UserProfile user, WebSocket socket, SocketOptions options, TimeProvider time, SocketOutput? output = null)
    {
        Id = id;
        User = user;
        _socket = socket;
        _options = options;
        _time = time;
        _lastReceived = time.GetTimestamp();
        Output = output;
        IFrameSink sink = output is null
            ? new WebSocketFrameSink(socket, options.SendQueueCapacity, AbortNow)
            : new DirectFrameSink(output, socket, options.SendQueueCapacity);
        Writer = new ConnectionWriter(this, sink);
    }

    public string Id { get; }

    /// <summary>A number unique in this process, stable for the connection's life (it picks the fan-out lane).</summary>
    public int Ordinal { get; } = Interlocked.Increment(ref s_lastOrdinal);

    /// <summary>Where data frames go as bytes; null: through the WebSocket (TLS, HTTP/2, or direct writes switched off).</summary>
    public SocketOutput? Output { get; }

    /// <summary>The one way this connection's frames leave.</summary>
    public ConnectionWriter Writer { get; }

    /// <summary>Where frame counts and overflows are recorded (none in isolation tests).</summary>
    public Observability.GatewayMetrics? Metrics { get; init; }

    public UserProfile User { get; }

    /// <summary>
    /// The user's grain, resolved once per connection by <see cref="LocalGateway"/>: Orleans 10's <c>GetGrain</c>
    /// reflects on every call, and the gateway calls this grain for every renewal of every connected user.
    /// </summary>
    public Grains.IUserGrain? UserGrain { get; set; }

    /// <summary>Set when the connection is closing or closed: frames enqueued now are dropped.</summary>
    public bool IsClosing => Volatile.Read(ref _close) is not null;

    public TimeSpan IdleFor => _time.GetElapsedTime(Interlocked.Read(ref _lastReceived));

    /// <summary>The client cannot keep up with what it is sent: closed with 1013, what is still queued dropped where possible.</summary>
    public void CloseTooSlow(string reason)
    {
        if (Close(TryAgainLater, reason, flush: false))
        {
            Metrics?.SendQueueOverflowed();
        }
    }

    /// <summary>
    /// Starts a server-side close: frames sent from now on are dropped; with <paramref name="flush"/> the queued ones go
    /// out first, without, those not yet on their way are dropped where the transport can tell. A socket that cannot
    /// take the close frame within the close timeout is aborted. False when the connection was already closing.
    /// </summary>
    public bool Close(WebSocketCloseStatus status, string reason, bool flush = true)
    {
        var request = new CloseRequest();
        if (Interlocked.CompareExchange(ref _close, request, null) is not null)
        {
            return false;
        }

        AbortAfter(_options.CloseTimeout);
        _ = SendCloseAsync(request, status, reason, flush);
        return true;
    }

    private async Task SendCloseAsync(CloseRequest request, WebSocketCloseStatus status, string reason, bool flush)
    {
        try
        {
            await Writer.CloseAsync(status, reason, flush, _abort.Token);
        }
        catch (Exception e) when (ConnectionWriter.IsSendFailure(e))
        {
            AbortNow(); // a stalled or vanished peer: stop the receive loop too
        }
        finally
        {
            request.Sent.TrySetResult();
        }
    }

    public void Dispose() => _abort.Dispose();

    /// <summary>Runs both loops until the socket is closed by either side, times out or fails.</summary>
    public async Task RunAsync(IFrameHandler handler)
    {
        // Sends pass no token (a cancellable send takes the WebSocket's slower, allocating path); an abort fails
        // them by aborting the socket instead.
        using var abortSends = _abort.Token.UnsafeRegister(static socket => ((WebSocket)socket!).Abort(), _socket);
        try
        {
            await ReceiveLoopAsync(handler);
        }
        catch (Exception e) when (IsEndOfSocket(e))
        {
            // The peer vanished or we aborted it: nothing to tell anyone.
        }
        finally
        {
            Close(WebSocketCloseStatus.NormalClosure, "closing", flush: false);
            AbortAfter(_options.CloseTimeout);
            await _close!.Sent.Task;
            _socket.Abort();
        }
    }

    private async Task ReceiveLoopAsync(IFrameHandler handler)
    {
        // After our close frame (CloseSent) keep reading until the client answers or the close timeout aborts:
        // leaving at once would abort the socket, and the reset can destroy our close frame unread on the client.
        while (_socket.State is WebSocketState.Open or WebSocketState.CloseSent)
        {
            // Wait for the next message with a zero-byte read, so that an idle socket holds no receive buffer; the
            // buffer is rented from the pool only while a message is being read and handled. Waiting here rather
            // than in ReceiveMessageAsync also keeps that method's state machine off an idle socket.
            ValueWebSocketReceiveResult next;
            try
            {
                next = await _socket.ReceiveAsync(Memory<byte>.Empty, _abort.Token);
            }
            catch (Exception e) when (IsEndOfSocket(e))
            {
                // Caught where the wait throws, not by the caller: each await an exception passes through throws it
                // again, and a reconnect storm ends thousands of idle sockets here at once (first-chance exceptions
                // per dropped socket: 5 before, 4 now, 3 of them inside the WebSocket; dotnet-counters, bench
                // scenario reconnect).
                return;
            }

            var (type, length) = next.MessageType == WebSocketMessageType.Close || next.EndOfMessage
                ? (next.MessageType, 0)
                : await ReceiveMessageAsync();
            try
            {
                if (type == WebSocketMessageType.Close)
                {
                    return;
                }

                Interlocked.Exchange(ref _lastReceived, _time.GetTimestamp());
                Metrics?.FrameReceived();
                if (!IsClosing)
                {
                    await handler.OnMessageAsync(type, _receiveBuffer.AsMemory(0, length));
                }
            }
            finally
            {
                ReturnReceiveBuffer();
            }
        }
    }

    /// <summary>
    /// Reads the rest of a message whose first bytes have arrived into the receive buffer, grown from the pool up to
    /// the limit. A message over the limit starts a close with 1009 and is discarded as it arrives.
    /// </summary>
    private async ValueTask<(WebSocketMessageType Type, int Length)> ReceiveMessageAsync()
    {
        _receiveBuffer = ArrayPool<byte>.Shared.Rent(ReceiveChunkBytes);
        var length = 0;
        var discarding = false;
        while (true)
        {
            if (length == _receiveBuffer.Length)
            {
                var larger = ArrayPool<byte>.Shared.Rent(Math.Min(_receiveBuffer.Length * 2, _options.MaxFrameBytes + 1));
                _receiveBuffer.AsSpan(0, length).CopyTo(larger);
                ArrayPool<byte>.Shared.Return(_receiveBuffer);
                _receiveBuffer = larger;
            }

            var result = await _socket.ReceiveAsync(_receiveBuffer.AsMemory(length), _abort.Token);
            length += result.Count;
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return (WebSocketMessageType.Close, 0);
            }

            if (length > _options.MaxFrameBytes || discarding)
            {
                // Read the rest of the oversized message into the void: closing with unread input would reset
                // the TCP connection and the client would never see our 1009.
                Close(WebSocketCloseStatus.MessageTooBig, $"frame larger than {_options.MaxFrameBytes} bytes", flush: true);
                (discarding, length) = (true, 0);
            }

            if (result.EndOfMessage)
            {
                return (result.MessageType, length);
            }
        }
    }

    private static bool IsEndOfSocket(Exception e) => e is WebSocketException or OperationCanceledException or IOException;

    private void ReturnReceiveBuffer()
    {
        if (_receiveBuffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_receiveBuffer);
            _receiveBuffer = [];
        }
    }

    private void AbortNow()
    {
        try
        {
            _abort.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // Already finished.
        }
    }

    private void AbortAfter(TimeSpan delay)
    {
        try
        {
            _abort.CancelAfter(delay);
        }
        catch (ObjectDisposedException)
        {
            // Already finished.
        }
    }

    /// <summary>A close under way; <see cref="Sent"/> completes once the close frame is sent, or cannot be.</summary>
    private sealed class CloseRequest
    {
        public TaskCompletionSource Sent { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
