using System.Diagnostics;
using OrleansChat.Model;

namespace OrleansChat.Grains.MessageLog.GroupCommit;

/// <summary>
/// One serial writer of <see cref="GroupCommitMessageLog"/>: appends queue in arrival order, and while a batch is in
/// flight (at most one per lane) the next ones gather and then go together, up to the batch bounds. A conversation
/// always maps to one lane, so its messages are written in seq order, batch after batch, and their callers are
/// completed in that order. The queue is bounded: beyond <see cref="GroupCommitOptions.MaxQueuedMessages"/> an append
/// waits for room (in arrival order) before it may join a batch.
/// </summary>
internal sealed class CommitLane(IMessageLog inner, GroupCommitOptions options, TimeProvider time, ChatMetrics? metrics)
{
    private readonly Lock _lock = new();
    private readonly Queue<PendingAppend> _queued = new();
    private readonly Queue<PendingAppend> _waitingForRoom = new();
    private readonly FailedConversations _failed = new(time);
    private Task _loop = Task.CompletedTask;
    private bool _committing;

    /// <summary>Appends that may join the next batch (at most <see cref="GroupCommitOptions.MaxQueuedMessages"/>).</summary>
    public int QueuedCount
    {
        get
        {
            lock (_lock)
            {
                return _queued.Count;
            }
        }
    }

    /// <summary>Appends held back by a full queue, each by its caller's one call.</summary>
    public int WaitingForRoomCount
    {
        get
        {
            lock (_lock)
            {
                return _waitingForRoom.Count;
            }
        }
    }

    public Task<AppendResult> Enqueue(ChatMessage message)
    {
        var pending = new PendingAppend(message);
        lock (_lock)
        {
            var hasRoom = _waitingForRoom.Count == 0 && _queued.Count < options.MaxQueuedMessages;
            (hasRoom ? _queued : _waitingForRoom).Enqueue(pending);
            if (!_committing)
            {
                // On the thread pool, never on the caller's scheduler: a grain's turn must not run the lane.
                _committing = true;
                _loop = Task.Run(CommitLoopAsync);
            }
        }

        return pending.Task;
    }

    /// <summary>Completes when the lane has written everything queued so far.</summary>
    public Task WhenIdle()
    {
        lock (_lock)
        {
            return _loop;
        }
    }

    private async Task CommitLoopAsync()
    {
        while (true)
        {
            List<PendingAppend> batch;
            List<PendingAppend>? aborted;
            lock (_lock)
            {
                (batch, aborted) = TakeBatch();
                if (batch.Count == 0 && aborted is null)
                {
                    _committing = false;
                    return;
                }
            }

            foreach (var pending in aborted ?? [])
            {
                pending.Fail(AppendOutcome.AbortedError(pending.Message.Conv));
            }

            if (batch.Count > 0)
            {
                await CommitAsync(batch);
            }
        }
    }

    /// <summary>The next batch in queue order, within the bounds; messages above a failed seq of their conversation are set apart.</summary>
    private (List<PendingAppend> Batch, List<PendingAppend>? Aborted) TakeBatch()
    {
        var batch = new List<PendingAppend>(Math.Min(_queued.Count, options.MaxBatchMessages));
        List<PendingAppend>? aborted = null;
        long bytes = 0;
        while (batch.Count < options.MaxBatchMessages
               && _queued.TryPeek(out var next)
               && (batch.Count == 0 || bytes + next.Bytes <= options.MaxBatchBytes))
        {
            _queued.Dequeue();
            if (_failed.Blocks(next.Message))
            {
                (aborted ??= []).Add(next);
            }
            else
            {
                batch.Add(next);
                bytes += next.Bytes;
            }

            while (_waitingForRoom.Count > 0 && _queued.Count < options.MaxQueuedMessages)
            {
                _queued.Enqueue(_waitingForRoom.Dequeue());
            }
        }

        return (batch, aborted);
    }

    /// <summary>Writes one batch and completes its callers in queue order; never throws.</summary>
    private async Task CommitAsync(List<PendingAppend> batch)
    {
        var messages = new ChatMessage[batch.Count];
        for (var i = 0; i < batch.Count; i++)
        {
            messages[i] = batch[i].Message;
        }

        var started = Stopwatch.GetTimestamp();
        IReadOnlyList<AppendOutcome> outcomes;
        try
        {
            outcomes = await inner.AppendBatchAsync(messages, CancellationToken.None);
            if (outcomes.Count != messages.Length)
            {
                throw new InvalidOperationException($"The log answered {outcomes.Count} outcomes for a batch of {messages.Length}.");
            }
        }
        catch (Exception failure) when (failure is not OutOfMemoryException)
        {
            FailWhole(batch, failure);
            return;
        }

        metrics?.GroupCommit(messages.Length, Stopwatch.GetElapsedTime(started));
        lock (_lock)
        {
            for (var i = 0; i < messages.Length; i++)
            {
                if (outcomes[i].LeavesSeqUnused(messages[i]))
                {
                    _failed.Mark(messages[i]);
                }
            }
        }

        for (var i = 0; i < batch.Count; i++)
        {
            batch[i].Complete(outcomes[i]);
        }
    }

    /// <summary>A failed batch fails its own messages only; their conversations' queued later messages then fail fast.</summary>
    private void FailWhole(List<PendingAppend> batch, Exception failure)
    {
        lock (_lock)
        {
            foreach (var pending in batch)
            {
                _failed.Mark(pending.Message);
            }
        }

        foreach (var pending in batch)
        {
            pending.Fail(failure);
        }
    }
}
