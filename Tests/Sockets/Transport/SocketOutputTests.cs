using System.Buffers.Binary;
using System.Net.Sockets;
using OrleansChat.Gateway.Sockets.Transport;
using OrleansChat.Tests.Infrastructure;

namespace OrleansChat.Tests.Sockets.Transport;

public sealed class SocketOutputTests
{
    [Fact]
    public async Task Writes_from_many_threads_arrive_whole_and_in_each_writers_order_after_the_reader_stalled()
    {
        using var pair = await LoopbackPair.OpenAsync();
        var output = new SocketOutput(pair.Server);
        const int Writers = 4, RecordsEach = 300;
        var records = Enumerable.Range(0, Writers).Select(w => Records(w, RecordsEach)).ToArray();

        // Nobody reads yet: the kernel's buffers fill, and the rest must queue in order behind them.
        var writing = records.Select(mine => Task.Run(() => mine.Select(record => output.WriteFrames(record, 1, now: true, int.MaxValue)).ToArray())).ToArray();
        Assert.All((await Task.WhenAll(writing)).SelectMany(results => results), result => Assert.Equal(FrameWrite.Accepted, result));
        Assert.True(output.QueuedBytes > 0, "the writes should have outrun the stalled reader");

        var received = await pair.ReadAsync(records.Sum(mine => mine.Sum(r => r.Length)));
        Assert.True(await output.WaitUntilDrainedAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(0, output.QueuedBytes);
        Assert.Equal(records.Select(mine => mine.Select(r => Convert.ToHexString(r)).ToList()).ToList(), SplitByWriter(received, Writers));
    }

    [Fact]
    public async Task A_write_sent_now_does_not_overtake_one_waiting_for_its_flush()
    {
        using var pair = await LoopbackPair.OpenAsync();
        var output = new SocketOutput(pair.Server);

        output.WriteFrames("first "u8, 1, now: false, int.MaxValue);
        output.WriteFrames("second"u8, 1, now: true, int.MaxValue);

        Assert.Equal("first second"u8.ToArray(), await pair.ReadAsync(12));
    }

    [Fact]
    public async Task Frames_past_the_capacity_are_refused_while_the_reader_stalls_and_taken_again_once_it_caught_up()
    {
        using var pair = await LoopbackPair.OpenAsync();
        var output = new SocketOutput(pair.Server);
        var frame = Enumerable.Range(0, 1024).Select(i => (byte)i).ToArray();

        // The kernel takes some frames at once; the rest wait, counted, until 8 of them are waiting.
        var accepted = 0;
        while (output.WriteFrames(frame, 1, now: accepted % 2 == 0, capacity: 8) == FrameWrite.Accepted)
        {
            Assert.True(++accepted < 10_000, "a stalled reader should fill the queue");
        }

        Assert.Equal(FrameWrite.Full, output.WriteFrames(frame, 1, now: true, capacity: 8));
        var received = await pair.ReadAsync(accepted * frame.Length);
        Assert.True(await output.WaitUntilDrainedAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(FrameWrite.Accepted, output.WriteFrames(frame, 1, now: true, capacity: 8));
        Assert.Equal(Enumerable.Repeat(frame, accepted).SelectMany(bytes => bytes), received);
    }

    [Fact]
    public async Task After_EndFrames_data_frames_are_refused_and_Kestrels_bytes_still_go()
    {
        using var pair = await LoopbackPair.OpenAsync();
        var output = new SocketOutput(pair.Server);
        output.WriteFrames("frame "u8, 1, now: false, int.MaxValue);

        output.EndFrames();
        "close"u8.CopyTo(output.GetSpan(5));
        output.Advance(5);
        await output.FlushAsync();

        Assert.Equal(FrameWrite.Closed, output.WriteFrames("late"u8, 1, now: true, int.MaxValue));
        Assert.Equal("frame close"u8.ToArray(), await pair.ReadAsync(11));
    }

    [Fact]
    public async Task Kestrels_flushes_wait_while_over_64_KB_is_queued_and_resume_as_the_reader_catches_up()
    {
        using var pair = await LoopbackPair.OpenAsync();
        var output = new SocketOutput(pair.Server);
        var body = Enumerable.Range(0, 256 * 1024).Select(i => (byte)(i % 251)).ToArray();
        for (var at = 0; at < body.Length; at += 4096)
        {
            body.AsSpan(at, 4096).CopyTo(output.GetSpan(4096));
            output.Advance(4096);
        }

        Assert.Equal(body.Length, output.UnflushedBytes);
        var flushing = output.FlushAsync().AsTask();
        Assert.False(flushing.IsCompleted, "a flush with 256 KB on a stalled socket should wait");

        var received = await pair.ReadAsync(body.Length);
        var flushed = await flushing.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.False(flushed.IsCanceled || flushed.IsCompleted);
        Assert.Equal(body, received);
    }

    [Fact]
    public async Task CancelPendingFlush_releases_a_waiting_flush_as_canceled()
    {
        using var pair = await LoopbackPair.OpenAsync();
        var output = new SocketOutput(pair.Server);
        output.WriteFrames(new byte[256 * 1024], 1, now: true, int.MaxValue);
        var flushing = output.FlushAsync().AsTask();
        Assert.False(flushing.IsCompleted, "256 KB on a stalled socket should queue, and the flush wait");

        output.CancelPendingFlush();

        Assert.True((await flushing.WaitAsync(TimeSpan.FromSeconds(10))).IsCanceled);
    }

    [Fact]
    public async Task A_peer_that_is_gone_fails_writes_and_completes_flushes()
    {
        using var pair = await LoopbackPair.OpenAsync();
        var output = new SocketOutput(pair.Server);
        pair.Client.LingerState = new LingerOption(true, 0);
        pair.Client.Close(); // a reset

        await Eventually.TrueAsync(
            () => Task.FromResult(output.WriteFrames(new byte[1024], 1, now: true, int.MaxValue) == FrameWrite.Closed),
            "a write to the reset connection fails");

        output.GetSpan(10)[0] = 1;
        output.Advance(10);
        Assert.True((await output.FlushAsync()).IsCompleted);
        Assert.Equal(FrameWrite.Closed, output.WriteFrames(new byte[1], 1, now: true, int.MaxValue));
    }

    /// <summary>Records of 1-3,000 bytes: writer, sequence number, length, then bytes that depend on all three.</summary>
    private static byte[][] Records(int writer, int count)
    {
        var random = new Random(writer);
        return [.. Enumerable.Range(0, count).Select(seq =>
        {
            var record = new byte[7 + random.Next(1, 3000)];
            record[0] = (byte)writer;
            BinaryPrimitives.WriteInt32BigEndian(record.AsSpan(1), seq);
            BinaryPrimitives.WriteUInt16BigEndian(record.AsSpan(5), (ushort)(record.Length - 7));
            for (var i = 7; i < record.Length; i++)
            {
                record[i] = (byte)(writer + seq + i);
            }

            return record;
        })];
    }

    private static List<List<string>> SplitByWriter(byte[] stream, int writers)
    {
        var byWriter = Enumerable.Range(0, writers).Select(_ => new List<string>()).ToList();
        for (var at = 0; at < stream.Length;)
        {
            var length = 7 + BinaryPrimitives.ReadUInt16BigEndian(stream.AsSpan(at + 5));
            byWriter[stream[at]].Add(Convert.ToHexString(stream, at, length));
            at += length;
        }

        return byWriter;
    }
}
