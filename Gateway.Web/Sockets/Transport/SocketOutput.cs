using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;

namespace OrleansChat.Gateway.Sockets.Transport;

/// <summary>What became of data frames handed to <see cref="SocketOutput.WriteFrames"/>.</summary>
public enum FrameWrite
{
    /// <summary>Sent, or queued behind what was there before them.</summary>
    Accepted,

    /// <summary>Refused: the capacity's worth of frames is still waiting for a peer that does not read.</summary>
    Full,

    /// <summary>Refused: the connection is closing (its close frame is on the way) or gone.</summary>
    Closed,
}

/// <summary>
/// The one way out of a plaintext connection. Kestrel's own output (HTTP responses, the 101, the WebSocket's control
/// frames) arrives through the <see cref="PipeWriter"/> side, and the gateway's WebSocket data frames through
/// <see cref="WriteFrames"/>; all of it goes to the kernel in the order it arrives, with non-blocking sends. What the
/// kernel cannot take at once is queued, and one drain loop sends it. That queue is the connection's only send
/// queue: it counts the data frames waiting in it, and refuses more once a slow client has its capacity's worth.
/// </summary>
/// <remarks>
/// Kestrel's own path costs, per frame, a write and flush of its output pipe, a hop to its socket send loop, and that
/// loop; at one frame per socket per room message that was a fifth of the gateway's CPU (docs/performance.md,
/// "Eighth pass"). Owning the whole output, not just the frames, is what keeps the order: a frame written straight to
/// the socket could otherwise overtake the 101 or a pong still in Kestrel's pipe.
/// </remarks>
public sealed class SocketOutput : PipeWriter, IThreadPoolWorkItem
{
    /// <summary>Kestrel's default write buffer: with more than this queued, Kestrel's flushes wait.</summary>
    private const int PauseBytes = 64 * 1024;
    private const int StagingBytes = 4096;

    private readonly Socket _socket;
    private readonly Lock _lock = new();
    private readonly SendQueue _queue = new();
    private bool _draining;
    private bool _flushScheduled;
    private bool _framesEnded;
    private IOException? _fault;
    private TaskCompletionSource? _drained;
    private TaskCompletionSource<FlushResult>? _pausedFlush;

    // Kestrel's side: it writes from one thread at a time (its ConcurrentPipeWriter sees to that).
    private byte[] _staging = [];
    private int _staged;

    public SocketOutput(Socket socket)
    {
        _socket = socket;
        _socket.Blocking = false; // a full kernel buffer must fail the send at once, not block a fan-out lane
    }

    /// <summary>Bytes accepted but not yet taken by the kernel (a slow or stalled reader).</summary>
    public int QueuedBytes
    {
        get
        {
            lock (_lock)
            {
                return _queue.Length;
            }
        }
    }

    /// <summary>
    /// Hands whole data frames (<paramref name="count"/> of them, encoded in <paramref name="frames"/>) to the
    /// connection, after everything handed to it before. <paramref name="now"/>: sent on the caller's thread at once,
    /// for a fan-out lane, which writes hundreds of sockets in a row and is itself the batch. Otherwise queued for a
    /// flush that a thread-pool work item makes shortly, so that what else reaches this socket meanwhile (a reply and
    /// an echo, a burst of private messages) leaves in the same send, as it did in Kestrel's output pipe. Never waits.
    /// </summary>
    public FrameWrite WriteFrames(ReadOnlySpan<byte> frames, int count, bool now, int capacity)
    {
        bool startDrain, scheduleFlush;
        lock (_lock)
        {
            if (_fault is not null || _framesEnded)
            {
                return FrameWrite.Closed;
            }

            if (_queue.Frames >= capacity)
            {
                return FrameWrite.Full;
            }

            (startDrain, scheduleFlush) = Accept(frames, count, now);
            if (_fault is not null)
            {
                return FrameWrite.Closed;
            }
        }

        Start(startDrain, scheduleFlush);
        return FrameWrite.Accepted;
    }

    /// <summary>From now on data frames are refused: the WebSocket's close frame, which comes through Kestrel, is the last.</summary>
    public void EndFrames()
    {
        lock (_lock)
        {
            _framesEnded = true;
        }
    }

    /// <summary>Sends or queues the bytes (under the lock); says whether a drain loop or a flush must be started.</summary>
    private (bool StartDrain, bool ScheduleFlush) Accept(ReadOnlySpan<byte> bytes, int frames, bool now)
    {
        if (now && !_draining && _queue.Length == 0)
        {
            var sent = TrySend(bytes); // the common case: nothing queued, and the kernel takes it all
            if (sent == bytes.Length || _fault is not null)
            {
                return (false, false);
            }

            bytes = bytes[sent..];
        }

        _queue.Append(bytes, frames);
        var startDrain = now && !_draining && !TrySendQueued();
        var scheduleFlush = !now && !_draining && !_flushScheduled;
        _draining |= startDrain;
        _flushScheduled |= scheduleFlush;
        return (startDrain, scheduleFlush);
    }

    /// <summary>The scheduled flush of <see cref="WriteFrames"/> (not now): sends what has gathered, in one send when the kernel takes it.</summary>
    void IThreadPoolWorkItem.Execute()
    {
        bool startDrain;
        lock (_lock)
        {
            _flushScheduled = false;
            if (_draining || _fault is not null)
            {
                return; // the drain loop sends it, or nothing will
            }

            startDrain = !TrySendQueued();
            _draining = startDrain;
            if (!startDrain)
            {
                ReleaseDrainWaiters(success: true);
            }
        }

        Start(startDrain, scheduleFlush: false);
    }

    private void Start(bool drain, bool scheduleFlush)
    {
        if (drain)
        {
            ThreadPool.UnsafeQueueUserWorkItem(static output => _ = output.DrainAsync(), this, preferLocal: false);
        }
        else if (scheduleFlush)
        {
            ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
        }
    }

    /// <summary>Sends queued chunks while the kernel takes them whole; true when the queue is empty (or the connection failed).</summary>
    private bool TrySendQueued()
    {
        while (_fault is null && _queue.Length > 0)
        {
            var oldest = _queue.Oldest.Span;
            var sent = TrySend(oldest);
            Consumed(sent);
            if (sent < oldest.Length)
            {
                return _fault is not null;
            }
        }

        return true;
    }

    private Task WhenDrained() => (_drained ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    /// <summary>Releases whoever waits for the queue to drain, and a paused flush.</summary>
    private void ReleaseDrainWaiters(bool success)
    {
        if (success)
        {
            _drained?.TrySetResult();
        }
        else
        {
            _drained?.TrySetException(_fault!);
        }

        _drained = null;
        ResumeFlush(new FlushResult(isCanceled: false, isCompleted: !success));
    }

    /// <summary>Completes when the queue is empty or the connection failed; gives up after <paramref name="timeout"/>.</summary>
    public async Task<bool> WaitUntilDrainedAsync(TimeSpan timeout)
    {
        Task? drained;
        lock (_lock)
        {
            drained = _queue.Length > 0 && _fault is null ? WhenDrained() : null;
        }

        if (drained is null)
        {
            return true;
        }

        try
        {
            await drained.WaitAsync(timeout);
            return true;
        }
        catch (IOException)
        {
            return true; // nothing more will drain: the connection is gone
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    public override Memory<byte> GetMemory(int sizeHint = 0)
    {
        var needed = _staged + Math.Max(sizeHint, 1);
        if (_staging.Length < needed)
        {
            var larger = ArrayPool<byte>.Shared.Rent(Math.Max(needed, StagingBytes));
            _staging.AsSpan(0, _staged).CopyTo(larger);
            ReturnStaging();
            _staging = larger;
        }

        return _staging.AsMemory(_staged);
    }

    public override Span<byte> GetSpan(int sizeHint = 0) => GetMemory(sizeHint).Span;

    /// <summary>System.Text.Json asks, through Kestrel, when it streams a response into the pipe.</summary>
    public override bool CanGetUnflushedBytes => true;

    public override long UnflushedBytes => _staged;

    public override void Advance(int bytes) => _staged += bytes;

    public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
    {
        bool startDrain = false;
        lock (_lock)
        {
            if (_staged > 0)
            {
                (startDrain, _) = _fault is null ? Accept(_staging.AsSpan(0, _staged), frames: 0, now: true) : default;
                _staged = 0;
                ReturnStaging(); // an idle connection holds no staging buffer
            }
        }

        Start(startDrain, scheduleFlush: false);
        lock (_lock)
        {
            if (_fault is not null)
            {
                return new(new FlushResult(isCanceled: false, isCompleted: true)); // the peer is gone: Kestrel stops writing
            }

            if (_queue.Length < PauseBytes)
            {
                return new(new FlushResult(isCanceled: false, isCompleted: false));
            }

            _pausedFlush ??= new TaskCompletionSource<FlushResult>(TaskCreationOptions.RunContinuationsAsynchronously);
            return new(_pausedFlush.Task.WaitAsync(cancellationToken));
        }
    }

    public override void CancelPendingFlush()
    {
        lock (_lock)
        {
            ResumeFlush(new FlushResult(isCanceled: true, isCompleted: false));
        }
    }

    public override void Complete(Exception? exception = null)
    {
        _staged = 0;
        ReturnStaging();
    }

    private int TrySend(ReadOnlySpan<byte> bytes)
    {
        try
        {
            var sent = _socket.Send(bytes, SocketFlags.None, out var error);
            if (error is SocketError.Success or SocketError.WouldBlock)
            {
                return sent;
            }

            Fail(new SocketException((int)error));
        }
        catch (ObjectDisposedException e)
        {
            Fail(e);
        }

        return 0;
    }

    /// <summary>Sends the queue in order while the kernel cannot take it at once; more may be appended meanwhile.</summary>
    private async Task DrainAsync()
    {
        while (true)
        {
            ReadOnlyMemory<byte> oldest;
            lock (_lock)
            {
                if (_fault is not null || _queue.Length == 0)
                {
                    _draining = false;
                    ReleaseDrainWaiters(success: _fault is null);
                    return;
                }

                oldest = _queue.Oldest;
            }

            int sent;
            try
            {
                sent = await _socket.SendAsync(oldest, SocketFlags.None);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                lock (_lock)
                {
                    Fail(e);
                }

                continue; // the next turn releases the waiters
            }

            lock (_lock)
            {
                Consumed(sent);
            }
        }
    }

    private void Consumed(int sent)
    {
        _queue.Consume(sent);

        if (_queue.Length < PauseBytes / 2)
        {
            ResumeFlush(new FlushResult(isCanceled: false, isCompleted: false));
        }
    }

    private void Fail(Exception cause)
    {
        _fault ??= new IOException("the connection is closed or broken", cause);
        _queue.Clear();
        ReleaseDrainWaiters(success: false);
    }

    private void ResumeFlush(FlushResult result)
    {
        _pausedFlush?.TrySetResult(result);
        _pausedFlush = null;
    }

    private void ReturnStaging()
    {
        if (_staging.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_staging);
            _staging = [];
        }
    }
}
