using OrleansChat.Grains.MessageLog;
using OrleansChat.Model;

namespace OrleansChat.Grains.Conversations;

/// <summary>
/// The message sequence of one conversation, as a chat grain holds it: the log is the truth, so the last seq is
/// recovered from it on first use and never kept in grain state. Not thread-safe: a grain's turns call it one at a time.
/// </summary>
public sealed class ConversationSequencer(string conv, IMessageLog log, ChatOptions options)
{
    private readonly Dictionary<(string SenderId, string ClientId), ChatMessage> _recent = [];
    private readonly Queue<(long RememberedAtMs, (string SenderId, string ClientId) Key)> _recentOrder = new();
    private long? _lastSeq;

    public string Conv { get; } = conv;

    /// <summary>
    /// Appends a message with the next seq. A resend (same sender and client id) returns the original with
    /// <see cref="AppendResult.Duplicate"/> set and takes no seq.
    /// </summary>
    public async Task<AppendResult> AppendAsync(UserProfile from, string? clientId, MessageBody body, long nowMs)
    {
        Forget(nowMs);
        if (clientId is not null && _recent.TryGetValue((from.Id, clientId), out var remembered))
        {
            return new AppendResult(remembered, Duplicate: true);
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

        Remember(result.Message, nowMs);
        return result;
    }

    /// <summary>The seq of the newest message (0 for none).</summary>
    public async Task<long> LastSeqAsync() => _lastSeq ??= await log.GetLastSeqAsync(Conv);

    public Task<MessagePage> ReadBeforeAsync(long? beforeSeq, int limit) =>
        log.ReadBeforeAsync(Conv, beforeSeq, ClampLimit(limit));

    public Task<MessagePage> ReadAfterAsync(long afterSeq, int limit) =>
        log.ReadAfterAsync(Conv, afterSeq, ClampLimit(limit));

    private int ClampLimit(int limit) => Math.Clamp(limit, 1, Math.Max(1, options.MaxPageSize));

    private void Remember(ChatMessage message, long nowMs)
    {
        if (message.ClientId is null || !_recent.TryAdd((message.From.Id, message.ClientId), message))
        {
            return;
        }

        _recentOrder.Enqueue((nowMs, (message.From.Id, message.ClientId)));
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
