using System.Buffers;
using System.Net.WebSockets;
using System.Runtime.InteropServices;
using System.Threading.Channels;
using OrleansChat.Gateway.Sockets.Transport;
using OrleansChat.Model;

namespace OrleansChat.Gateway.Sockets;

/// <summary>What a connection hands each complete client message to; the protocol side implements it.</summary>
public interface IFrameHandler
{
    ValueTask OnMessageAsync(WebSocketMessageType type, ReadOnlyMemory<byte> payload);
}

/// <summary>Takes over a connection's outbound JSON frames to re-frame them (session encryption does).</summary>
public interface IOutboundEncoder
{
    bool TryEnqueue(ReadOnlyMemory<byte> utf8Frame, WriteMode mode);
}

/// <summary>How a frame may reach a socket that has nothing queued or being sent.</summary>
public enum WriteMode
{
    /// <summary>
    /// Written on the caller's thread (a reply, a user's few sockets): no writer-loop wake-up per frame. On a
    /// <see cref="ClientConnection.Output"/> the send follows in a flush shortly after, together with whatever else
    /// reaches the socket meanwhile.
    /// </summary>
    Inline,

    /// <summary>
    /// Written and sent on the caller's thread at once: for a fan-out lane, which writes hundreds of sockets in a
    /// row and is itself the batch, so a flush per socket would only add a hop.
    /// </summary>
    Immediate,

    /// <summary>Always through the queue and the socket's writer loop, for a caller that must not write on its own thread.</summary>
    Queued,

    /// <summary>
    /// Held until <see cref="ClientConnection.FlushStaged"/>, so that the frames of several fan-outs leave in one
    /// write. Only the socket's fan-out lane uses it: the held frames are that lane's alone.
    /// </summary>
    Staged,
}

/// <summary>
/// One client WebSocket: a receive loop that assembles messages up to a size limit, and one writer at a time: the
/// caller itself while the socket is idle, else a bounded outbound queue drained by a writer loop, so any thread
/// may send and no send ever waits on another socket. Knows bytes, not the protocol. On a plaintext HTTP/1.1
/// connection it writes its data frames itself, straight to the connection's <see cref="SocketOutput"/>, several in
/// one write when several are waiting; otherwise through the <see cref="WebSocket"/>, which also writes the control
/// frames (close, pong) in both cases.
/// </summary>
public sealed class ClientConnection : IDisposable
{
    private const int ReceiveChunkBytes = 4096;

    /// <summary>How much a writer loop batches into one write from a backed-up queue.</summary>
    private const int MaxBatchBytes = 64 * 1024;

    private static int s_lastOrdinal;

    private readonly WebSocket _socket;
    private readonly SocketOptions _options;
    private readonly Lock _outboundLock = new();
    private IOutboundEncoder? _encoder;
    private readonly CancellationTokenSource _abort = new();

    /// <summary>Held by whoever is sending on the socket: the writer loop, or a caller sending inline.</summary>
    private readonly SemaphoreSlim _sendGate = new(1, 1);
    private readonly TimeProvider _time;
    private byte[] _receiveBuffer = [];
    private CloseRequest? _close;
    private long _lastReceived;

    // The queue and its writer loop, made when a frame first has to wait (or at close): a socket that is always
    // written inline, as most idle ones are, never holds them.
    private Channel<OutboundFrame>? _outbound;
    private Task? _writer;

    private List<OutboundFrame>? _staged;

    public ClientConnection(string id, UserProfile user, WebSocket socket, SocketOptions options, TimeProvider time)
    {
        Id = id;
        User = user;
        _socket = socket;
        _options = options;
        _time = time;
        _lastReceived = time.GetTimestamp();
    }

    public string Id { get; }

    /// <summary>A number unique in this process, stable for the connection's life (it picks the fan-out lane).</summary>
    public int Ordinal { get; } = Interlocked.Increment(ref s_lastOrdinal);

    /// <summary>Where data frames go as bytes; null: through the WebSocket (TLS, HTTP/2, or direct writes switched off).</summary>
    public SocketOutput? Output { get; init; }

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

    /// <summary>From now on every outbound JSON frame goes through <paramref name="encoder"/> (set before the socket runs).</summary>
    public void UseEncoder(IOutboundEncoder encoder) => _encoder = encoder;

    /// <summary>Sends or queues a UTF-8 JSON frame: as a text frame, or through the encoder when one is set.</summary>
    public bool TryEnqueue(ReadOnlyMemory<byte> utf8Frame, WriteMode mode = WriteMode.Inline) =>
        _encoder is { } encoder ? encoder.TryEnqueue(utf8Frame, mode) : TryEnqueueFrame(utf8Frame, WebSocketMessageType.Text, mode);

    /// <summary>Sends or queues one frame as it is. A full queue means the client cannot keep up: it is closed with 1013.</summary>
    public bool TryEnqueueFrame(ReadOnlyMemory<byte> payload, WebSocketMessageType type, WriteMode mode = WriteMode.Inline)
    {
        var frame = new OutboundFrame(payload, type);
        if (mode == WriteMode.Staged && Output is not null)
        {
            (_staged ??= []).Add(frame);
            return true;
        }

        return (mode != WriteMode.Queued && TrySendInline([frame], now: mode != WriteMode.Inline)) || TryQueue(frame);
    }

    /// <summary>Sends the frames staged by this socket's lane: in one write when the socket is idle, else queued in order.</summary>
    public void FlushStaged()
    {
        if (_staged is not { Count: > 0 } staged)
        {
            return;
        }

        var frames = CollectionsMarshal.AsSpan(staged);
        if (!TrySendInline(frames, now: true))
        {
            foreach (var frame in frames)
            {
                if (!TryQueue(frame))
                {
                    break;
                }
            }
        }

        staged.Clear();
    }

    private bool TryQueue(OutboundFrame frame)
    {
        if (Outbound.Writer.TryWrite(frame))
        {
            return true;
        }

        if (!IsClosing)
        {
            Metrics?.SendQueueOverflowed();
            Close(WebSocketCloseStatus.EndpointUnavailable, "send queue overflow: client too slow", flush: false);
        }

        return false;
    }

    /// <summary>
    /// Starts a server-side close: with <paramref name="flush"/> the queued frames go out first; without, they are
    /// dropped. A socket that cannot take the close frame within the close timeout is aborted.
    /// </summary>
    public void Close(WebSocketCloseStatus status, string reason, bool flush = true)
    {
        if (Interlocked.CompareExchange(ref _close, new CloseRequest(status, reason, flush), null) is not null)
        {
            return;
        }

        Outbound.Writer.TryComplete(); // the writer loop sends the close frame after what is queued
        AbortAfter(_options.CloseTimeout);
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
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or IOException)
        {
            // The peer vanished or we aborted it: nothing to tell anyone.
        }
        finally
        {
            Close(WebSocketCloseStatus.NormalClosure, "closing", flush: false);
            AbortAfter(_options.CloseTimeout);
            await WriterLoop;
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
            var next = await _socket.ReceiveAsync(Memory<byte>.Empty, _abort.Token);
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

    private void ReturnReceiveBuffer()
    {
        if (_receiveBuffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_receiveBuffer);
            _receiveBuffer = [];
        }
    }

    /// <summary>
    /// When nothing is queued or being sent, sends on the caller's thread instead of waking the writer loop: an
    /// <see cref="Output"/> hands the bytes to the kernel at once unless its buffer is full, and the WebSocket writes
    /// into Kestrel's output pipe, whose flush completes at once below its backpressure threshold. So a fan-out
    /// reaches an idle socket without a thread-pool hop per frame per socket. A send that does not complete at once
    /// keeps the gate until it has; frames queued meanwhile wait for it in order.
    /// </summary>
    private bool TrySendInline(ReadOnlySpan<OutboundFrame> frames, bool now)
    {
        if (IsClosing || HasQueued || !_sendGate.Wait(0))
        {
            return false;
        }

        if (IsClosing || HasQueued)
        {
            _sendGate.Release(); // lost a race with a queued frame or a close: keep the order, queue behind them
            return false;
        }

        ValueTask sending;
        try
        {
            sending = SendAsync(frames, now);
        }
        catch (Exception e) when (IsSendFailure(e))
        {
            sending = ValueTask.FromException(e);
        }

        _ = EndInlineSendAsync(sending, frames.Length); // a send already done finishes here, synchronously and without allocating
        return true;
    }

    private async Task EndInlineSendAsync(ValueTask sending, int frames)
    {
        try
        {
            await sending;
            Metrics?.FramesSent(frames);
        }
        catch (Exception e) when (IsSendFailure(e))
        {
            AbortNow();
        }
        finally
        {
            _sendGate.Release();
        }
    }

    /// <summary>
    /// Several frames only with an <see cref="Output"/>: they become one buffer and one write, sent <paramref name="now"/>
    /// or with the output's next flush. Through the WebSocket each frame is its own send, so that path is only ever
    /// given one.
    /// </summary>
    private ValueTask SendAsync(ReadOnlySpan<OutboundFrame> frames, bool now)
    {
        if (Output is not { } output)
        {
            return _socket.SendAsync(frames[0].Payload, frames[0].Type, endOfMessage: true, CancellationToken.None);
        }

        var size = 0;
        foreach (var frame in frames)
        {
            size += WebSocketFrame.SizeOf(frame.Payload.Length);
        }

        var buffer = ArrayPool<byte>.Shared.Rent(size);
        try
        {
            var written = 0;
            foreach (var frame in frames)
            {
                written += WebSocketFrame.Write(buffer.AsSpan(written), frame.Payload.Span, frame.Type);
            }

            var bytes = buffer.AsSpan(0, written);
            return now ? output.Write(bytes) : output.WriteSoon(bytes); // both copy what they do not send at once
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private bool HasQueued => Volatile.Read(ref _outbound) is { } queue && queue.Reader.Count > 0;

    private Channel<OutboundFrame> Outbound => Volatile.Read(ref _outbound) ?? CreateOutbound();

    /// <summary>The writer loop, made now if need be (a close, even one another thread is making, ends with it).</summary>
    private Task WriterLoop
    {
        get
        {
            _ = Outbound; // published after _writer is set
            return _writer!;
        }
    }

    private Channel<OutboundFrame> CreateOutbound()
    {
        lock (_outboundLock)
        {
            if (_outbound is null)
            {
                var queue = Channel.CreateBounded<OutboundFrame>(new BoundedChannelOptions(_options.SendQueueCapacity)
                {
                    SingleReader = true,
                    FullMode = BoundedChannelFullMode.Wait,
                });
                _writer = WriteLoopAsync(queue.Reader);
                Volatile.Write(ref _outbound, queue);
            }

            return _outbound;
        }
    }

    private async Task WriteLoopAsync(ChannelReader<OutboundFrame> reader)
    {
        try
        {
            while (await reader.WaitToReadAsync(_abort.Token))
            {
                await _sendGate.WaitAsync(_abort.Token);
                try
                {
                    await SendQueuedAsync(reader);
                }
                finally
                {
                    _sendGate.Release();
                }
            }

            await _sendGate.WaitAsync(_abort.Token); // an inline send may still be under way: the close goes after it
            try
            {
                if (_close is { } close && _socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
                {
                    await _socket.CloseOutputAsync(close.Status, close.Reason, _abort.Token);
                }
            }
            finally
            {
                _sendGate.Release();
            }
        }
        catch (Exception e) when (IsSendFailure(e))
        {
            // A stalled or vanished peer: stop the receive loop too.
            AbortNow();
        }
    }

    /// <summary>Sends what is queued: one frame per send through the WebSocket, up to 64 KB of frames per write to an <see cref="Output"/>.</summary>
    private async Task SendQueuedAsync(ChannelReader<OutboundFrame> reader)
    {
        var batch = new List<OutboundFrame>();
        while (true)
        {
            var bytes = 0;
            while ((Output is not null || batch.Count == 0) && bytes < MaxBatchBytes && reader.TryRead(out var frame))
            {
                batch.Add(frame);
                bytes += frame.Payload.Length;
            }

            if (batch.Count == 0 || _close is { Flush: false })
            {
                return;
            }

            await SendAsync(CollectionsMarshal.AsSpan(batch), now: true);
            Metrics?.FramesSent(batch.Count);
            batch.Clear();
        }
    }

    private static bool IsSendFailure(Exception e) =>
        e is WebSocketException or OperationCanceledException or IOException or ObjectDisposedException or InvalidOperationException;

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

    private sealed record CloseRequest(WebSocketCloseStatus Status, string Reason, bool Flush);

    private readonly record struct OutboundFrame(ReadOnlyMemory<byte> Payload, WebSocketMessageType Type);
}
