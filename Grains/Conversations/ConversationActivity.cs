using System.Runtime.InteropServices;
using OrleansChat.Model;

namespace OrleansChat.Grains.Conversations;

/// <summary>
/// The summary a conversation grain keeps of its own activity, so that a conversation list never scans the log:
/// the last message (its preview) and, per sender, the seq of their latest message. O(1) work and no write per
/// message: a message only replaces a reference and sets one dictionary entry.
/// <para>
/// Sending moves the sender's read seq to the new message (their own messages are never unread). That read seq is
/// kept by the sender's user grain, but telling it with every message would be a call and a state write per
/// message; instead the senders whose read seq moved are collected here and told at most once per
/// <c>Chat:SenderReadFlushInterval</c> (and on deactivation), while every summary this grain answers applies the newer
/// seq at once.
/// </para>
/// <para>
/// Unread is counted, not scanned: every seq after the user's read seq is a message of someone else (their own would
/// have moved the read seq past it), so unread = (last seq - read seq) minus the entries after the read seq that do
/// not count (<see cref="UncountedSeqs"/>: recalls and system notices), found by binary search.
/// </para>
/// </summary>
public sealed class ConversationActivity
{
    private ChatMessage? _last;
    private bool _lastLoaded;

    // Null until the first message since activation: most activations (history reads, joins) send nothing.
    private Dictionary<string, long>? _lastSentBy;
    private Dictionary<string, long>? _unflushed;

    /// <summary>Sorted seqs of the entries that never count as unread (recalls, system notices); empty for now.</summary>
    public IReadOnlyList<long> UncountedSeqs { get; set; } = [];

    /// <summary>Records a stored message. Appends may complete out of seq order (interleaved sends), so only newer wins.</summary>
    /// <returns>True when this is the first sender's seq waiting to be flushed (the caller schedules a flush).</returns>
    public bool Appended(ChatMessage message)
    {
        if (_last is null || message.Seq > _last.Seq)
        {
            _last = message;
        }

        _lastSentBy ??= new(StringComparer.Ordinal);
        ref var sent = ref CollectionsMarshal.GetValueRefOrAddDefault(_lastSentBy, message.From.Id, out _);
        sent = Math.Max(sent, message.Seq);
        var first = _unflushed is not { Count: > 0 };
        (_unflushed ??= new(StringComparer.Ordinal))[message.From.Id] = sent;
        return first;
    }

    /// <summary>
    /// The wait before a flush: <paramref name="interval"/> times 0.5-1.5 (<paramref name="unit"/> in [0, 1)), so the mean
    /// stays the interval. Conversations that start together (a load test, a silo's conversations reactivating after
    /// a restart) would otherwise flush together, one user-state write per sender in the same instant, and keep doing
    /// so every interval: measured, 1,000 private chats at 8,000 sends/s stalled every delivery for ~1 s every 30 s
    /// (slowest delivery ~200-440 ms against 15-50 ms between), and spread out they did not (docs/performance.md).
    /// </summary>
    public static TimeSpan FlushDelay(TimeSpan interval, double unit) => interval * (0.5 + Math.Clamp(unit, 0, 1));

    /// <summary>As <see cref="FlushLaterAsync"/>, after a wait drawn by <see cref="FlushDelay"/> from <paramref name="interval"/>.</summary>
    public Task FlushAboutEveryAsync(TimeProvider time, TimeSpan interval, Action<string, long> tell) =>
        FlushLaterAsync(time, FlushDelay(interval, Random.Shared.NextDouble()), tell);

    /// <summary>Tells each sender's user grain (<paramref name="tell"/>) the read seq their sends moved it to, after <paramref name="delay"/>.</summary>
    public async Task FlushLaterAsync(TimeProvider time, TimeSpan delay, Action<string, long> tell)
    {
        await Task.Delay(delay, time);
        Flush(tell);
    }

    /// <summary>Tells every sender whose read seq moved since the last flush, once.</summary>
    public void Flush(Action<string, long> tell)
    {
        var unflushed = _unflushed;
        _unflushed = null;
        foreach (var (userId, seq) in unflushed ?? [])
        {
            tell(userId, seq);
        }
    }

    /// <summary>
    /// The last message, read once from the log after activation (the newest page of one message: not a scan).
    /// </summary>
    public async ValueTask<ChatMessage?> LastAsync(Func<Task<MessagePage>> readNewest)
    {
        if (!_lastLoaded)
        {
            var newest = (await readNewest()).Messages;
            if (newest.Count > 0 && (_last is null || newest[^1].Seq > _last.Seq))
            {
                _last = newest[^1];
            }

            _lastLoaded = true;
        }

        return _last;
    }

    /// <summary>
    /// The user's effective read seq (their stored one, moved past their own latest message, never beyond
    /// <paramref name="lastSeq"/>) and how many countable messages follow it.
    /// </summary>
    public (long ReadSeq, long Unread) ReadStateOf(string userId, long storedReadSeq, long lastSeq)
    {
        var read = storedReadSeq;
        if (_lastSentBy is not null && _lastSentBy.TryGetValue(userId, out var sent))
        {
            read = Math.Max(read, sent);
        }

        read = Math.Clamp(read, 0, lastSeq);
        return (read, lastSeq - read - UncountedBetween(read, lastSeq));
    }

    /// <summary>How many uncounted seqs lie in (<paramref name="after"/>, <paramref name="upTo"/>].</summary>
    private long UncountedBetween(long after, long upTo) => CountAtMost(upTo) - CountAtMost(after);

    private long CountAtMost(long seq)
    {
        var (lo, hi) = (0, UncountedSeqs.Count);
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (UncountedSeqs[mid] <= seq)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return lo;
    }
}
