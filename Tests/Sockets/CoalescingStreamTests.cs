using OrleansChat.Gateway.Sockets;

namespace OrleansChat.Tests.Sockets;

public sealed class CoalescingStreamTests
{
    [Fact]
    public async Task WritesPassStraightThroughWhenNotHeld()
    {
        var inner = new WriteRecordingStream();
        await using var stream = new CoalescingStream(inner);

        await stream.WriteAsync(new byte[] { 1, 2 });
        await stream.WriteAsync(new byte[] { 3 });

        Assert.Equal([[1, 2], [3]], inner.Writes);
    }

    [Fact]
    public async Task HeldWritesGoOutInOrderWithTheFirstWriteThatIsNotHeld()
    {
        var inner = new WriteRecordingStream();
        await using var stream = new CoalescingStream(inner);

        stream.HoldWrites = true;
        await stream.WriteAsync(new byte[] { 1, 2 });
        await stream.WriteAsync(new byte[] { 3 });
        Assert.Empty(inner.Writes);
        stream.HoldWrites = false;
        await stream.WriteAsync(new byte[] { 4 });
        await stream.WriteAsync(new byte[] { 5 });

        Assert.Equal([[1, 2, 3, 4], [5]], inner.Writes);
    }

    [Fact]
    public async Task HeldWritesBeyondTheBufferAreLetOutInOrderWithoutLosingBytes()
    {
        var inner = new WriteRecordingStream();
        await using var stream = new CoalescingStream(inner);
        var frames = Enumerable.Range(0, 100).Select(i => Enumerable.Repeat((byte)i, 1500).ToArray()).ToList();
        frames.Add(new byte[100_000]); // larger than the hold buffer itself

        for (var i = 0; i < frames.Count; i++)
        {
            stream.HoldWrites = i < frames.Count - 1;
            await stream.WriteAsync(frames[i]);
        }

        Assert.Equal(frames.SelectMany(f => f), inner.Writes.SelectMany(w => w));
        Assert.InRange(inner.Writes.Count, 3, 10); // ~250 KB in writes of up to 64 KB (and the big one), not 101 writes
    }

    /// <summary>Keeps every write separately, so a test can count the flushes the socket would have made.</summary>
    private sealed class WriteRecordingStream : MemoryStream
    {
        public List<byte[]> Writes { get; } = [];

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Writes.Add(buffer.ToArray());
            return ValueTask.CompletedTask;
        }
    }
}
