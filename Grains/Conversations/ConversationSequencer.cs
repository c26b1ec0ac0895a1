using OrleansChat.Grains.MessageLog;
using OrleansChat.Model;

namespace OrleansChat.Grains.Conversations;

/// <summary>
/// The message sequence of one conversation, as a chat grain holds it: the log is the truth, so the last seq is
/// recovered from it on first use and never kept in grain state. Not thread-safe: a grain's turns call it one at a time.
/// </summary>
public sealed class ConversationSequencer(string conv, IMessageLog log, ChatOptions options)
{
    // Recent sends by a 128-bit hash of (sender id, client id) (IdempotencyKey): only the seq and ts an answer to a
    // resend needs, in value types, since the window holds every message of the last Chat:IdempotencyWindow (minutes
    // of traffic, all surviving GCs) and a string key per message was GC work. A hit answers without the original, so
    // two pairs with one hash would drop the second send: with n keys in a window that happens with probability about
    // n^2 / 2^129 (below 1e-24 for ten million), far below any hardware fault, so hits are not verified.
    private readonly Dictionary<UInt128, (long Seq, long Ts)> _recent = [];
    private readonly Queue<(long RememberedAtMs, UInt128 Key)> _recentOrder = new();
    private long? _lastSeq;

    public string Conv { get; } = conv;

    /// <summary>
    /// Appends a message with the next seq. A resend (same sender and client id) returns the original with
    /// <see cref="AppendResult.Duplicate"/> set and takes no seq.
    /// </summary>
    public async Task<AppendResult> AppendAsync(UserProfile from, string? clientId, MessageBody body, long nowMs)
    {
        Forget(nowMs);
        UInt128? key = clientId is null ? null : IdempotencyKey.Of(from.Id, clientId);
        if (key is { } resendKey && _recent.TryGetValue(resendKey, out var remembered))
        {
            // The resend as it came, with the original's seq and ts (a duplicate is answered, never delivered).
            return new AppendResult(new ChatMessage(Conv, remembered.Seq, remembered.Ts, from, body, clientId), Duplicate: true);
        }

        var lastSeq = await LastSeqAsync();
        AppendResult result;
        try
        {
            result = await log.AppendAsync(new ChatMessage(Conv, lastSeq + 1, nowMs, from, body, clientId));
        }
        catch (SequenceConflictException)
        {
            // Another activation wrote that seq (a duplicate activation, or one before a crash): catch up once.
            lastSeq = await log.GetLastSeqAsync(Conv);
            result = await log.AppendAsync(new ChatMessage(Conv, lastSeq + 1, nowMs, from, body, clientId));
        }

        if (!result.Duplicate)
        {
            _lastSeq = result.Message.Seq;
        }

        if (key is { } newKey)
        {
            // A duplicate from the log is the original of this sender and client id, so it has this key too.
            Remember(newKey, result.Message, nowMs);
        }

        return result;
    }

    /// <summary>The seq of the newest message (0 for none).</summary>
    public async Task<long> LastSeqAsync() => _lastSeq ??= await log.GetLastSeqAsync(Conv);

    public Task<MessagePage> ReadBeforeAsync(long? beforeSeq, int limit) =>
        log.ReadBeforeAsync(Conv, beforeSeq, ClampLimit(limit));

    public Task<MessagePage> ReadAfterAsync(long afterSeq, int limit) =>
        log.ReadAfterAsync(Conv, afterSeq, ClampLimit(limit));

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
