using System.Buffers;

namespace OrleansChat.Gateway.Sockets;

/// <summary>
/// The upgraded connection's stream, able to hold writes back. Kestrel flushes (one <c>send()</c>) on every write
/// and the WebSocket writes every frame separately; while <see cref="HoldWrites"/> is set (the connection's writer
/// sets it when more frames are queued behind the one it is sending), writes are collected in a pooled buffer
/// and go out with the next write that is not held, so N queued frames cost one flush instead of N.
/// No lock of its own: the WebSocket never writes to its stream concurrently (it serialises data, pong and close
/// frames with its send lock). A pong written while writes are held simply goes out with the batch, which the
/// writer ends with its next frame.
/// </summary>
public sealed class CoalescingStream(Stream inner) : Stream
{
    /// <summary>Held writes are let out once they reach this, so a batch never holds a large buffer.</summary>
    private const int MaxHeldBytes = 64 * 1024;

    private byte[]? _held;
    private int _heldBytes;

    /// <summary>While set, writes are held back (up to 64 KB) and sent with the next write made without it.</summary>
    public bool HoldWrites { get; set; }

    public override bool CanRead => inner.CanRead;

    public override bool CanSeek => false;

    public override bool CanWrite => inner.CanWrite;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_heldBytes == 0 && !HoldWrites)
        {
            return inner.WriteAsync(buffer, cancellationToken); // the common case: nothing held, nothing to copy
        }

        if (_heldBytes + buffer.Length <= MaxHeldBytes)
        {
            Hold(buffer.Span);
            return HoldWrites ? ValueTask.CompletedTask : WriteHeldAsync(cancellationToken);
        }

        return WriteHeldThenAsync(buffer, cancellationToken);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        if (_held is { } held)
        {
            var length = _heldBytes;
            (_held, _heldBytes) = (null, 0);
            inner.Write(held.AsSpan(0, length));
            ArrayPool<byte>.Shared.Return(held);
        }

        inner.Write(buffer);
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        inner.ReadAsync(buffer, cancellationToken);

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        inner.ReadAsync(buffer, offset, count, cancellationToken);

    public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);

    public override int Read(Span<byte> buffer) => inner.Read(buffer);

    public override async Task FlushAsync(CancellationToken cancellationToken)
    {
        await WriteHeldAsync(cancellationToken);
        await inner.FlushAsync(cancellationToken);
    }

    public override void Flush() => inner.Flush();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }

    private void Hold(ReadOnlySpan<byte> bytes)
    {
        _held ??= ArrayPool<byte>.Shared.Rent(MaxHeldBytes);
        bytes.CopyTo(_held.AsSpan(_heldBytes));
        _heldBytes += bytes.Length;
    }

    /// <summary>The held bytes and <paramref name="buffer"/> do not fit together: let the held ones out first.</summary>
    private async ValueTask WriteHeldThenAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken)
    {
        await WriteHeldAsync(cancellationToken);
        if (HoldWrites && buffer.Length <= MaxHeldBytes)
        {
            Hold(buffer.Span);
        }
        else
        {
            await inner.WriteAsync(buffer, cancellationToken);
        }
    }

    /// <summary>
    /// Lets the held bytes out. They are given up before the write, so a write that fails half-way (a cancelled
    /// flush, when the socket is aborted) can never send them a second time and corrupt the framing.
    /// </summary>
    private async ValueTask WriteHeldAsync(CancellationToken cancellationToken)
    {
        if (_held is not { } held)
        {
            return;
        }

        var length = _heldBytes;
        (_held, _heldBytes) = (null, 0);
        try
        {
            await inner.WriteAsync(held.AsMemory(0, length), cancellationToken);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(held); // after every batch: an idle socket holds no buffer
        }
    }
}
