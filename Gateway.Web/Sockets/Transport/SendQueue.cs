using System.Buffers;

namespace OrleansChat.Gateway.Sockets.Transport;

/// <summary>
/// Bytes waiting for the kernel, oldest first, in rented chunks of at least 4 KB, and how many WebSocket data frames
/// they hold (a frame counts until its last byte is sent). Not thread-safe: its owner (<see cref="SocketOutput"/>)
/// uses it under its lock. The oldest bytes may be in a send while more are appended.
/// </summary>
internal sealed class SendQueue
{
    private const int ChunkBytes = 4096;

    /// <summary>
    /// Chunks come from a pool of their own rather than <see cref="ArrayPool{T}.Shared"/>, whose per-core stores
    /// hold 32 arrays of a size: a gateway fanning out to thousands of sockets holds more chunks than that at once,
    /// so the shared pool missed on rent and dropped on return. At most 1,024 arrays of each size up to 16 KB are
    /// kept (28 MB); larger chunks (frames over 16 KB) are allocated and dropped.
    /// </summary>
    private static readonly ArrayPool<byte> Chunks = ArrayPool<byte>.Create(maxArrayLength: 16 * 1024, maxArraysPerBucket: 1024);

    private readonly Queue<Chunk> _chunks = new();

    /// <summary>Where each append that carried frames ends (in bytes ever appended), and how many frames it carried.</summary>
    private readonly Queue<(long End, int Frames)> _frameEnds = new();
    private Chunk? _tail;
    private long _appended;
    private long _consumed;

    public int Length { get; private set; }

    /// <summary>Data frames not yet wholly sent: what a slow client's send queue capacity is counted in.</summary>
    public int Frames { get; private set; }

    /// <summary>The oldest bytes still to send, as one contiguous piece (up to a chunk); empty when the queue is.</summary>
    public ReadOnlyMemory<byte> Oldest => _chunks.TryPeek(out var head) ? head.Pending : default;

    /// <summary>Appends bytes that end <paramref name="frames"/> data frames (0: Kestrel's own bytes, counted in bytes only).</summary>
    public void Append(ReadOnlySpan<byte> bytes, int frames = 0)
    {
        Length += bytes.Length;
        _appended += bytes.Length;
        if (frames > 0)
        {
            Frames += frames;
            _frameEnds.Enqueue((_appended, frames));
        }

        if (_tail is not null)
        {
            bytes = _tail.Append(bytes);
        }

        if (!bytes.IsEmpty)
        {
            _tail = new Chunk(Chunks.Rent(Math.Max(bytes.Length, ChunkBytes)));
            _tail.Append(bytes);
            _chunks.Enqueue(_tail);
        }
    }

    /// <summary>Drops the first <paramref name="count"/> bytes of <see cref="Oldest"/>: the kernel took them.</summary>
    public void Consume(int count)
    {
        if (!_chunks.TryPeek(out var head))
        {
            return; // cleared while the send was under way
        }

        Length -= count;
        _consumed += count;
        while (_frameEnds.TryPeek(out var end) && end.End <= _consumed)
        {
            Frames -= end.Frames;
            _frameEnds.Dequeue();
        }

        if (head.Consume(count))
        {
            _chunks.Dequeue();
            head.Return();
            _tail = _chunks.Count == 0 ? null : _tail;
        }
    }

    public void Clear()
    {
        while (_chunks.TryDequeue(out var chunk))
        {
            chunk.Return();
        }

        _frameEnds.Clear();
        (_tail, Length, Frames) = (null, 0, 0);
        _consumed = _appended;
    }

    /// <summary>A rented buffer: bytes [start, end) are still to send.</summary>
    private sealed class Chunk(byte[] buffer)
    {
        private int _start;
        private int _end;

        public ReadOnlyMemory<byte> Pending => buffer.AsMemory(_start, _end - _start);

        /// <summary>Copies what fits; returns the rest.</summary>
        public ReadOnlySpan<byte> Append(ReadOnlySpan<byte> bytes)
        {
            var fits = Math.Min(bytes.Length, buffer.Length - _end);
            bytes[..fits].CopyTo(buffer.AsSpan(_end));
            _end += fits;
            return bytes[fits..];
        }

        /// <summary>True when everything appended so far has been sent, so the chunk can go (appends happen under the same lock).</summary>
        public bool Consume(int sent)
        {
            _start += sent;
            return _start == _end;
        }

        public void Return() => Chunks.Return(buffer);
    }
}
