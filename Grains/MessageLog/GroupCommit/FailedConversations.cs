using OrleansChat.Model;

namespace OrleansChat.Grains.MessageLog.GroupCommit;

/// <summary>
/// A commit lane's memory of conversations whose message at some seq was not stored: their queued messages with a
/// higher seq must not be written (that would leave a hole), so they fail fast with <see cref="AppendOutcome.AbortedError"/>.
/// The sequencer answers a failure by re-reading the last seq from the log, so its next message comes with a seq at
/// or below the mark, which clears it. A mark of a conversation that never sends again is dropped after
/// <see cref="Lifetime"/>: by then every message sequenced before the failure was seen has long been queued.
/// Not thread-safe: the lane calls it under its lock.
/// </summary>
internal sealed class FailedConversations(TimeProvider time)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(1);

    private readonly Dictionary<string, (long Seq, DateTimeOffset At)> _marks = new(StringComparer.Ordinal);

    public int Count => _marks.Count;

    public void Mark(ChatMessage message)
    {
        var now = time.GetUtcNow();
        if (!_marks.TryGetValue(message.Conv, out var mark) || message.Seq < mark.Seq)
        {
            _marks[message.Conv] = (message.Seq, now);
        }

        foreach (var (conv, old) in _marks)
        {
            if (now - old.At > Lifetime)
            {
                _marks.Remove(conv);
            }
        }
    }

    /// <summary>True when <paramref name="message"/> must fail fast; a message at or below the mark clears it.</summary>
    public bool Blocks(ChatMessage message)
    {
        if (_marks.Count == 0 || !_marks.TryGetValue(message.Conv, out var mark))
        {
            return false;
        }

        if (message.Seq > mark.Seq)
        {
            return true;
        }

        _marks.Remove(message.Conv);
        return false;
    }
}
