namespace OrleansChat.Grains.MessageLog.InMemory;

/// <summary>
/// Append-only byte storage in chunks of at least 1 MiB: arrays that large live on the large object heap, which
/// gen0/gen1 collections never copy, and bytes hold no references, so no collection scans them. A position packs
/// the chunk index (high 32 bits) and the offset in it (low 32 bits). Not thread-safe: the owner locks.
/// </summary>
internal sealed class MessageArena
{
    public const int DefaultChunkSize = 1 << 20;

    private readonly List<byte[]> _chunks = [];
    private readonly int _chunkSize;
    private int _current = -1;
    private int _used;

    /// <param name="chunkSize">Smaller than the default only in tests, to cross chunk boundaries with few bytes.</param>
    public MessageArena(int chunkSize = DefaultChunkSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(chunkSize);
        _chunkSize = chunkSize;
    }

    /// <summary>The bytes held by all chunks, used or not.</summary>
    public long CapacityBytes { get; private set; }

    /// <summary>Reserves <paramref name="length"/> bytes for the caller to write; a record larger than a chunk gets its own.</summary>
    public Span<byte> Allocate(int length, out long position)
    {
        if (length > _chunkSize)
        {
            var own = AddChunk(length);
            position = Position(own, 0);
            return _chunks[own];
        }

        if (_current < 0 || _chunkSize - _used < length)
        {
            _current = AddChunk(_chunkSize);
            _used = 0;
        }

        position = Position(_current, _used);
        var span = _chunks[_current].AsSpan(_used, length);
        _used += length;
        return span;
    }

    /// <summary>The bytes from <paramref name="position"/> to the end of its chunk: a reader stops at its record's end.</summary>
    /// <summary>The <paramref name="length"/> bytes allocated at <paramref name="position"/>, to rewrite them in place (an erase).</summary>
    public Span<byte> Rewrite(long position, int length) => _chunks[(int)(position >> 32)].AsSpan((int)(uint)position, length);

    public ReadOnlySpan<byte> At(long position) => _chunks[(int)(position >> 32)].AsSpan((int)(uint)position);

    private int AddChunk(int size)
    {
        _chunks.Add(GC.AllocateUninitializedArray<byte>(size));
        CapacityBytes += size;
        return _chunks.Count - 1;
    }

    private static long Position(int chunk, int offset) => ((long)chunk << 32) | (uint)offset;
}
