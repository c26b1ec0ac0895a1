namespace OrleansChat.Grains.Rooms;

/// <summary>
/// Rows and payload bytes (<see cref="RoomMemberRecord.PayloadBytes"/>) a member store has written, summed: the
/// evidence that a join costs O(1) writes. Thread-safe; read it before and after an operation and subtract.
/// </summary>
public sealed class RoomMemberWrites
{
    private long _rows;
    private long _bytes;

    public long Rows => Interlocked.Read(ref _rows);

    public long Bytes => Interlocked.Read(ref _bytes);

    public RoomMemberWriteCount Snapshot() => new(Rows, Bytes);

    public void Add(long rows, long bytes)
    {
        Interlocked.Add(ref _rows, rows);
        Interlocked.Add(ref _bytes, bytes);
    }
}

public readonly record struct RoomMemberWriteCount(long Rows, long Bytes)
{
    /// <summary>What was written between <paramref name="before"/> and this count.</summary>
    public RoomMemberWriteCount Since(RoomMemberWriteCount before) => new(Rows - before.Rows, Bytes - before.Bytes);
}
