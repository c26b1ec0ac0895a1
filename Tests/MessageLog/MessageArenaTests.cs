using OrleansChat.Grains.MessageLog.InMemory;


namespace OrleansChat.Tests.MessageLog;

public sealed class MessageArenaTests
{
    [Fact]
    public void Records_that_do_not_fit_the_current_chunk_start_a_new_one_and_keep_their_bytes()
    {
        var arena = new MessageArena(chunkSize: 10);

        var first = Write(arena, 1, 6);
        var second = Write(arena, 2, 6); // 4 bytes left in the first chunk: a new one
        var third = Write(arena, 3, 4);  // fits behind the second

        Assert.Equal([1, 1, 1, 1, 1, 1], arena.At(first)[..6].ToArray());
        Assert.Equal([2, 2, 2, 2, 2, 2], arena.At(second)[..6].ToArray());
        Assert.Equal([3, 3, 3, 3], arena.At(third).ToArray());
        Assert.Equal(20, arena.CapacityBytes);
    }

    [Fact]
    public void A_record_larger_than_a_chunk_gets_its_own_and_the_current_chunk_goes_on_filling()
    {
        var arena = new MessageArena(chunkSize: 10);
        var small = Write(arena, 1, 3);

        var large = Write(arena, 9, 25);
        var next = Write(arena, 4, 7);

        Assert.Equal(Enumerable.Repeat((byte)9, 25), arena.At(large).ToArray());
        Assert.Equal([1, 1, 1], arena.At(small)[..3].ToArray());
        Assert.Equal(Enumerable.Repeat((byte)4, 7), arena.At(next).ToArray());
        Assert.Equal(35, arena.CapacityBytes);
    }

    [Fact]
    public void A_chunk_size_below_one_is_refused() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new MessageArena(chunkSize: 0));

    private static long Write(MessageArena arena, byte value, int length)
    {
        arena.Allocate(length, out var position).Fill(value);
        return position;
    }
}
