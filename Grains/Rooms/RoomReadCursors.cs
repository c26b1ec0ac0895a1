using OrleansChat.Protocol;

namespace OrleansChat.Grains.Rooms;

/// <summary>
/// A room grain's read cursors, for read receipts: each member's highest read seq (loaded once from
/// <see cref="IRoomReadCursorStore"/>), the moves not yet written back, and the senders of the room's most recent seqs.
/// <para>
/// No per-message state per member: how many have read message s is the number of member cursors at or above s,
/// minus its sender's. A receipt sorts the cursors once (n is at most <c>Chat:ReceiptMaxMembers</c>, 200 by default)
/// and answers each recent seq by binary search; it runs at most once a second per room, never per message.
/// The send path records only the sender of the new seq in a fixed ring (<see cref="Sent"/>: O(1), no allocation).
/// </para>
/// Not thread-safe: a grain's turns call it one at a time.
/// </summary>
public sealed class RoomReadCursors
{
    /// <summary>How many of the newest seqs a receipt reports.</summary>
    public const int Window = 20;

    private readonly Dictionary<string, long> _cursors = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _unsaved = new(StringComparer.Ordinal);
    private readonly (long Seq, string? Sender)[] _recent = new (long, string?)[Window];

    /// <summary>True once the stored cursors were loaded (lazily: most activations never show a receipt).</summary>
    public bool Loaded { get; private set; }

    /// <summary>True once the senders of the newest seqs before this activation were read from the log.</summary>
    public bool RecentLoaded { get; private set; }

    /// <summary>The newest seq whose sender was recorded.</summary>
    public long LastSeq { get; private set; }

    public void Load(IReadOnlyDictionary<string, long> stored)
    {
        ArgumentNullException.ThrowIfNull(stored);
        foreach (var (userId, seq) in stored)
        {
            _cursors[userId] = Math.Max(_cursors.GetValueOrDefault(userId), seq);
        }

        Loaded = true;
    }

    /// <summary>Records who sent <paramref name="seq"/> (the send path: one array slot, O(1)).</summary>
    public void Sent(long seq, string senderId)
    {
        LastSeq = Math.Max(LastSeq, seq);
        ref var slot = ref _recent[seq % Window];
        if (seq > slot.Seq)
        {
            slot = (seq, senderId);
        }
    }

    /// <summary>Fills the ring with messages read from the log after activation; newer entries already recorded win.</summary>
    public void LoadRecent(IEnumerable<(long Seq, string Sender)> messages)
    {
        ArgumentNullException.ThrowIfNull(messages);
        foreach (var (seq, sender) in messages)
        {
            Sent(seq, sender);
        }

        RecentLoaded = true;
    }

    /// <summary>Moves <paramref name="userId"/>'s cursor forward to <paramref name="seq"/>; false when it was already there or past it.</summary>
    public bool Advance(string userId, long seq)
    {
        if (_cursors.TryGetValue(userId, out var old) && old >= seq)
        {
            return false;
        }

        _cursors[userId] = seq;
        _unsaved[userId] = seq;
        return true;
    }

    public long CursorOf(string userId) => _cursors.GetValueOrDefault(userId);

    public void Forget(string userId)
    {
        _cursors.Remove(userId);
        _unsaved.Remove(userId);
    }

    /// <summary>The moves not yet written back, emptied: the caller writes them (and gives them back with <see cref="Unsave"/> if that fails).</summary>
    public KeyValuePair<string, long>[] TakeUnsaved()
    {
        var moves = _unsaved.ToArray();
        _unsaved.Clear();
        return moves;
    }

    /// <summary>Puts moves whose write failed back, so the next flush retries them.</summary>
    public void Unsave(IEnumerable<KeyValuePair<string, long>> moves)
    {
        foreach (var (userId, seq) in moves)
        {
            if (_cursors.GetValueOrDefault(userId) == seq && !_unsaved.ContainsKey(userId))
            {
                _unsaved[userId] = seq;
            }
        }
    }

    /// <summary>
    /// For each of the newest <see cref="Window"/> seqs up to <see cref="LastSeq"/> whose sender is known, how many
    /// members other than the sender have read it. <paramref name="isMember"/> leaves out cursors of users who left.
    /// </summary>
    public IReadOnlyList<ReadCount> Counts(Func<string, bool> isMember)
    {
        var sorted = _cursors.Where(c => isMember(c.Key)).Select(c => c.Value).ToArray();
        Array.Sort(sorted);
        var counts = new List<ReadCount>(Window);
        for (var seq = Math.Max(1, LastSeq - Window + 1); seq <= LastSeq; seq++)
        {
            var (recordedSeq, sender) = _recent[seq % Window];
            if (recordedSeq != seq || sender is null)
            {
                continue;
            }

            var atOrAbove = sorted.Length - LowerBound(sorted, seq);
            var senderRead = isMember(sender) && CursorOf(sender) >= seq ? 1 : 0;
            counts.Add(new ReadCount(seq, atOrAbove - senderRead));
        }

        return counts;
    }

    /// <summary>The members (other than <paramref name="senderId"/>) whose cursor is at or above <paramref name="seq"/>.</summary>
    public IReadOnlyList<string> ReadersOf(long seq, string? senderId, Func<string, bool> isMember) =>
        [.. _cursors.Where(c => c.Value >= seq && c.Key != senderId && isMember(c.Key)).Select(c => c.Key).Order(StringComparer.Ordinal)];

    private static int LowerBound(long[] sorted, long seq)
    {
        var (lo, hi) = (0, sorted.Length);
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (sorted[mid] < seq)
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
