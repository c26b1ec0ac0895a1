using System.Net.WebSockets;

namespace OrleansChat.Gateway.Sockets.Transport;

/// <summary>
/// Frames sent one by one through the <see cref="WebSocket"/> (TLS, HTTP/2, or <c>Sockets:DirectOutput</c> off),
/// which allows one send at a time: a queue and one pump. An idle socket is written on the caller's thread (the pump
/// runs inline until a send does not complete at once), so a fan-out does not wake a writer per socket.
/// </summary>
internal sealed class WebSocketFrameSink(WebSocket socket, int capacity, Action abort) : IFrameSink
{
    private readonly Lock _lock = new();
    private Queue<OutboundFrame>? _queue; // made when the first frame comes: most idle sockets never need one
    private bool _pumping;
    private (WebSocketCloseStatus Status, string Reason, CancellationToken Abort)? _close;
    private TaskCompletionSource? _closed;

    public FrameWrite Write(ReadOnlySpan<OutboundFrame> frames, bool now)
    {
        lock (_lock)
        {
            if (_close is not null)
            {
                return FrameWrite.Closed;
            }

            var queue = _queue ??= new Queue<OutboundFrame>();
            if (queue.Count >= capacity)
            {
                return FrameWrite.Full;
            }

            foreach (var frame in frames)
            {
                queue.Enqueue(frame);
            }

            if (_pumping)
            {
                return FrameWrite.Accepted;
            }

            _pumping = true;
        }

        _ = PumpAsync();
        return FrameWrite.Accepted;
    }

    public Task CloseAsync(WebSocketCloseStatus status, string reason, bool flush, CancellationToken abort)
    {
        bool start;
        lock (_lock)
        {
            if (_closed is { } closing)
            {
                return closing.Task;
            }

            _close = (status, reason, abort);
            _closed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            if (!flush)
            {
                _queue?.Clear();
            }

            start = !_pumping;
            _pumping = true;
        }

        if (start)
        {
            _ = PumpAsync();
        }

        return _closed.Task;
    }

    /// <summary>Sends what is queued, then the close frame once one is asked for; stops when the queue is empty.</summary>
    private async Task PumpAsync()
    {
        while (TryTakeNext(out var frame, out var close))
        {
            if (close is { } closing)
            {
                await SendCloseAsync(closing.Status, closing.Reason, closing.Abort);
                return;
            }

            try
            {
                // No token: a cancellable send takes the WebSocket's slower, allocating path; an abort fails it instead.
                await socket.SendAsync(frame.Payload, frame.Type, endOfMessage: true, CancellationToken.None);
            }
            catch (Exception e) when (ConnectionWriter.IsSendFailure(e))
            {
                abort(); // a stalled or vanished peer: stop the receive loop too
                lock (_lock)
                {
                    _queue?.Clear();
                }
            }
        }
    }

    /// <summary>The next frame, else the close if one is asked for (the pump then stays marked as running, so nothing follows it); false: stop.</summary>
    private bool TryTakeNext(out OutboundFrame frame, out (WebSocketCloseStatus Status, string Reason, CancellationToken Abort)? close)
    {
        lock (_lock)
        {
            (frame, close) = (default, null);
            if (_queue is not null && _queue.TryDequeue(out frame))
            {
                return true;
            }

            close = _close;
            _pumping = close is not null;
            return _pumping;
        }
    }

    private async Task SendCloseAsync(WebSocketCloseStatus status, string reason, CancellationToken abort)
    {
        try
        {
            if (socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                await socket.CloseOutputAsync(status, reason, abort);
            }

            _closed!.TrySetResult();
        }
        catch (Exception e) when (ConnectionWriter.IsSendFailure(e))
        {
            _closed!.TrySetException(e);
        }
    }
}
