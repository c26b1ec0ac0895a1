using OrleansChat.Grains.MessageLog;
using OrleansChat.Grains.MessageLog.GroupCommit;
using OrleansChat.Model;

namespace OrleansChat.Grains.Conversations;

/// <summary>
/// The message sequence of one conversation, as a chat grain holds it: the log is the truth, so the last seq is
/// recovered from it on first use and never kept in grain state. Not thread-safe: a grain's turns call it one at a time,
/// but they may interleave (sends are <c>[AlwaysInterleave]</c>), so several appends can be in flight at once.
/// <para>
/// Pipelined: a send takes the next seq and starts its append in one synchronous step, then waits for durability while
/// the grain takes the next send. So the log receives one conversation's appends in seq order, and a log that keeps
/// that order and completes them in it (<see cref="GroupCommitMessageLog"/>, or the in-memory log, which completes at
/// once) acks and fans them out in seq order. When an append fails or leaves its seq unused (a resend of an older
/// message), the next seq is re-read from the log, once for all waiting sends; the group-commit lane fails the later
/// messages already queued above it, so no seq is skipped.
/// </para>
/// </summary>
public sealed class ConversationSequencer(string conv, IMessageLog log, ChatOptions options)
{
    // Recent sends by a 128-bit hash of (sender id, client id) (IdempotencyKey): only the seq and ts an answer to a
    // resend needs, in value types, since the window holds every message of the last Chat:IdempotencyWindow (minutes
    // of traffic, all surviving GCs: ~146 bytes per message with the queue below) and a string key per message was GC
    // work. A hit answers without the original, so two pairs with one hash would drop the second send: with n keys in
    // a window that happens with probability about n^2 / 2^129 (below 1e-24 for ten million), far below any hardware
    // fault, so hits are not verified.
    private readonly Dictionary<UInt128, (long Seq, long Ts)> _recent = [];
    private readonly Queue<(long RememberedAtMs, UInt128 Key)> _recentOrder = new();

    // Sends whose append is still in flight, by the same key: a resend awaits the original instead of appending twice.
    private readonly Dictionary<UInt128, Task<AppendResult>> _inFlight = [];

    private long? _lastSeq;          // the last seq handed out; its append may still be in flight
    private long _durableSeq;        // every seq up to this one is stored (valid while _lastSeq is known)
    private Task<long>? _lastSeqRead; // the one read of the log's last seq that every waiting send shares
    private int _epoch;              // bumped by each reset, so that a reset is done once per failure

    public string Conv { get; } = conv;

    /// <summary>
    /// Appends a message with the next seq and completes once it is durable. A resend (same sender and client id)
    /// returns the original with <see cref="AppendResult.Duplicate"/> set and takes no seq.
    /// </summary>
    public Task<AppendResult> AppendAsync(UserProfile from, string? clientId, MessageBody body, long nowMs)
    {
        Forget(nowMs);
        UInt128? key = clientId is null ? null : IdempotencyKey.Of(from.Id, clientId);
        if (key is { } resendKey)
        {
            if (_recent.TryGetValue(resendKey, out var remembered))
            {
                // The resend as it came, with the original's seq and ts (a duplicate is answered, never delivered).
                return Task.FromResult(new AppendResult(new ChatMessage(Conv, remembered.Seq, remembered.Ts, from, body, clientId), Duplicate: true));
            }

            if (_inFlight.TryGetValue(resendKey, out var original))
            {
                return ResendOfAsync(original);
            }
        }

        var append = AppendNewAsync(from, clientId, body, nowMs, key);
        if (key is { } newKey && !append.IsCompleted)
        {
            _inFlight[newKey] = append; // AppendNewAsync removes it when done (always after this line: one thread)
        }

        return append;
    }

    /// <summary>
    /// The seq up to which every message is stored (0 for none). A caller that registers for live messages first and
    /// then reads this misses nothing: everything above it is still to be fanned out, everything up to it is in the log.
    /// </summary>
    public async Task<long> LastSeqAsync()
    {
        if (_lastSeq is null)
        {
            await NextSeqAsync(take: false);
        }

        return _durableSeq;
    }

    public Task<MessagePage> ReadBeforeAsync(long? beforeSeq, int limit) =>
        log.ReadBeforeAsync(Conv, beforeSeq, ClampLimit(limit));

    public Task<MessagePage> ReadAfterAsync(long afterSeq, int limit) =>
        log.ReadAfterAsync(Conv, afterSeq, ClampLimit(limit));

    private static async Task<AppendResult> ResendOfAsync(Task<AppendResult> original) =>
        (await original) with { Duplicate = true };

    private async Task<AppendResult> AppendNewAsync(UserProfile from, string? clientId, MessageBody body, long nowMs, UInt128? key)
    {
        try
        {
            var (seq, epoch) = await NextSeqAsync(take: true);
            var message = new ChatMessage(Conv, seq, nowMs, from, body, clientId);
            AppendResult result;
            try
            {
                result = await StartAppend(message); // the seq was taken just above, with no await in between
            }
            catch (SequenceConflictException)
            {
                // Another activation wrote that seq (a duplicate activation, or one before a crash): catch up once.
                Reset(epoch);
                (seq, epoch) = await NextSeqAsync(take: true);
                message = message with { Seq = seq };
                result = await RetryAppendAsync(message, epoch);
            }
            catch
            {
                Reset(epoch);
                throw;
            }

            Settle(message, result, epoch);
            if (key is { } newKey)
            {
                // A duplicate from the log is the original of this sender and client id, so it has this key too.
                Remember(newKey, result.Message, nowMs);
            }

            return result;
        }
        finally
        {
            if (key is { } inFlightKey)
            {
                _inFlight.Remove(inFlightKey);
            }
        }
    }

    /// <summary>The one retry after a conflict; its failure resets the sequence like any other.</summary>
    private async Task<AppendResult> RetryAppendAsync(ChatMessage message, int epoch)
    {
        try
        {
            return await StartAppend(message);
        }
        catch
        {
            Reset(epoch);
            throw;
        }
    }

    /// <summary>Starts the append; a log that refuses at once (a synchronous throw) fails the task like a late refusal.</summary>
    private Task<AppendResult> StartAppend(ChatMessage message)
    {
        try
        {
            return log.AppendAsync(message);
        }
        catch (Exception refused)
        {
            return Task.FromException<AppendResult>(refused);
        }
    }

    /// <summary>Records a stored message; a resend of an older message leaves its seq unused, so the sequence is re-read.</summary>
    private void Settle(ChatMessage requested, AppendResult result, int epoch)
    {
        if (result.Duplicate && result.Message.Seq != requested.Seq)
        {
            Reset(epoch);
        }
        else if (epoch == _epoch)
        {
            _durableSeq = Math.Max(_durableSeq, requested.Seq);
        }
    }

    /// <summary>
    /// The next seq (or, with <paramref name="take"/> false, just a known last seq). Synchronous while the last seq is
    /// known; otherwise every caller awaits the same one read of the log, and they take seqs one after another.
    /// </summary>
    private async ValueTask<(long Seq, int Epoch)> NextSeqAsync(bool take)
    {
        while (_lastSeq is null)
        {
            var epoch = _epoch;
            var read = _lastSeqRead ??= log.GetLastSeqAsync(Conv);
            long last;
            try
            {
                last = await read;
            }
            catch
            {
                if (_lastSeqRead == read)
                {
                    _lastSeqRead = null; // the next send tries again
                }

                throw;
            }

            if (_lastSeq is null && epoch == _epoch)
            {
                (_lastSeq, _durableSeq, _lastSeqRead) = (last, last, null);
            }
        }

        if (take)
        {
            _lastSeq++;
        }

        return (_lastSeq.Value, _epoch);
    }

    /// <summary>Forgets the sequence after a failure, once per failure: the appends of one epoch share the reset.</summary>
    private void Reset(int epoch)
    {
        if (epoch == _epoch)
        {
            _epoch++;
            _lastSeq = null;
            _lastSeqRead = null;
        }
    }

    private int ClampLimit(int limit) => Math.Clamp(limit, 1, Math.Max(1, options.MaxPageSize));

    private void Remember(UInt128 key, ChatMessage message, long nowMs)
    {
        if (_recent.TryAdd(key, (message.Seq, message.Ts)))
        {
            _recentOrder.Enqueue((nowMs, key));
        }
    }

    private void Forget(long nowMs)
    {
        var horizon = nowMs - (long)options.IdempotencyWindow.TotalMilliseconds;
        while (_recentOrder.TryPeek(out var oldest) && oldest.RememberedAtMs < horizon)
        {
            _recentOrder.Dequeue();
            _recent.Remove(oldest.Key);
        }
    }
}
