namespace OrleansChat.Gateway.Media.Storage;

/// <summary>
/// A read-only, seekable stream over bytes kept in fixed-size chunks (PostgreSQL rows), fetching one chunk at a time as
/// the position reaches it: a Range request for the last kilobyte of a file reads one row, not the file. Also the plaintext
/// view of sealed media (<see cref="MediaCipher"/>), whose chunks are opened one at a time; <paramref name="owned"/> is the
/// stream underneath, disposed with this one.
/// </summary>
public sealed class ChunkedReadStream(long length, int chunkSize, Func<int, CancellationToken, Task<byte[]>> readChunk, Stream? owned = null) : Stream
{
    private long _position;
    private int _loadedIndex = -1;
    private byte[] _loaded = [];

    public override bool CanRead => true;
    public override bool CanSeek => true;
    public override bool CanWrite => false;
    public override long Length => length;

    public override long Position
    {
        get => _position;
        set => _position = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(value));
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_position >= length || buffer.IsEmpty)
        {
            return 0;
        }

        var index = (int)(_position / chunkSize);
        if (index != _loadedIndex)
        {
            _loaded = await readChunk(index, cancellationToken);
            _loadedIndex = index;
        }

        var offset = (int)(_position - ((long)index * chunkSize));
        var count = Math.Min(buffer.Length, _loaded.Length - offset);
        if (count <= 0)
        {
            throw new IOException($"stored media is shorter than its recorded length ({length} bytes)");
        }

        _loaded.AsMemory(offset, count).CopyTo(buffer);
        _position += count;
        return count;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    // Synchronous reads are not used by the HTTP pipeline (it copies asynchronously); kept correct for completeness.
    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override long Seek(long offset, SeekOrigin origin) => Position = origin switch
    {
        SeekOrigin.Begin => offset,
        SeekOrigin.Current => _position + offset,
        _ => length + offset,
    };

    public override void Flush()
    {
    }

    public override void SetLength(long value) => throw new NotSupportedException();

    public override async ValueTask DisposeAsync()
    {
        if (owned is not null)
        {
            await owned.DisposeAsync();
        }

        await base.DisposeAsync();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            owned?.Dispose();
        }

        base.Dispose(disposing);
    }

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
