using System.Net.WebSockets;
using System.Runtime.InteropServices;
using OrleansChat.Gateway.Sockets.Transport;

namespace OrleansChat.Gateway.Sockets;

/// <summary>
/// The one way a connection's frames leave, whoever sends them (its session's replies, private messages, a fan-out
/// lane) and whatever the transport. A JSON frame becomes a text frame, or what the connection's
/// <see cref="IFrameTransform"/> makes of it (session encryption), and goes to the connection's sink, which keeps the
/// order, holds what the peer has not taken yet and refuses more once a slow client has
/// <see cref="SocketOptions.SendQueueCapacity"/> frames waiting: the client is then closed with 1013. Sending never
/// waits. Plaintext frames take no lock here (the sink orders them); a transform runs under one, so that what it
/// numbers leaves in that order.
/// </summary>
public sealed class ConnectionWriter
{
    private readonly ClientConnection _connection;
    private readonly IFrameSink _sink;
    private readonly Lock _transformLock = new();
    private IFrameTransform? _transform;

    internal ConnectionWriter(ClientConnection connection, IFrameSink sink) => (_connection, _sink) = (connection, sink);

    /// <summary>
    /// A reply or a private message: on a direct output it leaves with a flush a moment later, together with whatever
    /// else reaches the socket meanwhile (an ack and an echo, a burst of private messages leave in one send).
    /// </summary>
    public void Send(ReadOnlyMemory<byte> utf8Json) => Write(utf8Json, now: false);

    /// <summary>A fan-out lane's frame: written at once, since a lane writing hundreds of sockets in a row is itself the batch.</summary>
    public void SendNow(ReadOnlyMemory<byte> utf8Json) => Write(utf8Json, now: true);

    /// <summary>Several frames for this socket at once (a lane that fell behind): in order, in one write where the sink can.</summary>
    public void SendNow(IReadOnlyList<ReadOnlyMemory<byte>> utf8Json)
    {
        if (Volatile.Read(ref _transform) is null)
        {
            var frames = new OutboundFrame[utf8Json.Count];
            for (var i = 0; i < frames.Length; i++)
            {
                frames[i] = new OutboundFrame(utf8Json[i], WebSocketMessageType.Text);
            }

            Deliver(frames, now: true);
            return;
        }

        lock (_transformLock)
        {
            var wire = new List<OutboundFrame>(utf8Json.Count);
            foreach (var json in utf8Json)
            {
                if (Encode(json, out var frame))
                {
                    wire.Add(frame);
                }
            }

            Deliver(CollectionsMarshal.AsSpan(wire), now: true);
        }
    }

    /// <summary>From now on every frame goes through <paramref name="transform"/> (null: plain text frames, and no lock).</summary>
    public void UseTransform(IFrameTransform? transform)
    {
        lock (_transformLock)
        {
            Volatile.Write(ref _transform, transform);
        }
    }

    /// <summary>
    /// Runs <paramref name="change"/> (a transform changing its state: a key agreed) while no frame is being encoded,
    /// and sends the frames it returns before any frame encoded after it.
    /// </summary>
    public void Transition(Func<IReadOnlyList<OutboundFrame>> change)
    {
        lock (_transformLock)
        {
            if (change() is { Count: > 0 } frames)
            {
                Deliver([.. frames], now: false);
            }
        }
    }

    internal Task CloseAsync(WebSocketCloseStatus status, string reason, bool flush, CancellationToken abort) =>
        _sink.CloseAsync(status, reason, flush, abort);

    internal static bool IsSendFailure(Exception e) =>
        e is WebSocketException or OperationCanceledException or IOException or ObjectDisposedException or InvalidOperationException;

    private void Write(ReadOnlyMemory<byte> utf8Json, bool now)
    {
        if (Volatile.Read(ref _transform) is null)
        {
            var frame = new OutboundFrame(utf8Json, WebSocketMessageType.Text);
            Deliver(new ReadOnlySpan<OutboundFrame>(in frame), now);
            return;
        }

        lock (_transformLock)
        {
            if (Encode(utf8Json, out var frame))
            {
                Deliver(new ReadOnlySpan<OutboundFrame>(in frame), now);
            }
        }
    }

    /// <summary>Under the lock; the transform may have been taken away since the caller looked.</summary>
    private bool Encode(ReadOnlyMemory<byte> utf8Json, out OutboundFrame frame)
    {
        if (_transform is { } transform)
        {
            return transform.TryEncode(utf8Json, out frame);
        }

        frame = new OutboundFrame(utf8Json, WebSocketMessageType.Text);
        return true;
    }

    private void Deliver(ReadOnlySpan<OutboundFrame> frames, bool now)
    {
        if (frames.IsEmpty)
        {
            return;
        }

        switch (_sink.Write(frames, now))
        {
            case FrameWrite.Accepted:
                _connection.Metrics?.FramesSent(frames.Length);
                break;
            case FrameWrite.Full:
                _connection.CloseTooSlow("send queue overflow: client too slow");
                break;
        }
    }
}
