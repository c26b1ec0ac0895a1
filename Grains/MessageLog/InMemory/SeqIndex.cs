namespace OrleansChat.Grains.MessageLog.InMemory;

/// <summary>
/// One conversation's seq → arena position, as a sorted array of value pairs: no object per message. Appends in
/// ascending seq (the sequencer's order) go to the end; an older seq is inserted in place.
/// </summary>
internal sealed class SeqIndex
{
    private (long Seq, long Position)[] _entries = new (long, long)[4];

    public int Count { get; private set; }

    public long LastSeq => Count == 0 ? 0 : _entries[Count - 1].Seq;

    public long PositionAt(int index) => _entries[index].Position;

    public bool TryFind(long seq, out long position)
    {
        var index = FirstIndexAbove(seq) - 1;
        var found = index >= 0 && _entries[index].Seq == seq;
        position = found ? _entries[index].Position : 0;
        return found;
    }

    /// <summary>Adds a seq not yet present.</summary>
    public void Insert(long seq, long position)
    {
        if (Count == _entries.Length)
        {
            Array.Resize(ref _entries, _entries.Length * 2);
        }

        var index = Count > 0 && seq > LastSeq ? Count : FirstIndexAbove(seq);
        Array.Copy(_entries, index, _entries, index + 1, Count - index);
        _entries[index] = (seq, position);
        Count++;
    }

    /// <summary>The index of the first entry with a seq above <paramref name="seq"/> (<see cref="Count"/> when none).</summary>
    public int FirstIndexAbove(long seq)
    {
        int low = 0, high = Count;
        while (low < high)
        {
            var middle = low + ((high - low) / 2);
            if (_entries[middle].Seq <= seq)
            {
                low = middle + 1;
            }
            else
            {
                high = middle;
            }
        }

        return low;
    }

    /// <summary>The index of the first entry with a seq at or above <paramref name="seq"/>.</summary>
    public int FirstIndexAtOrAbove(long seq) => seq == long.MinValue ? 0 : FirstIndexAbove(seq - 1);
}
