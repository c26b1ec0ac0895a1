using OrleansChat.Grains.MessageLog;


namespace OrleansChat.Tests.MessageLog;

public sealed class IdempotencyKeyTests
{
    [Fact]
    public void Equal_pairs_hash_equal_and_different_pairs_differ()
    {
        Assert.Equal(IdempotencyKey.Of("alice", "c-1"), IdempotencyKey.Of("alice", "c-1"));
        Assert.NotEqual(IdempotencyKey.Of("alice", "c-1"), IdempotencyKey.Of("bob", "c-1"));
        Assert.NotEqual(IdempotencyKey.Of("alice", "c-1"), IdempotencyKey.Of("alice", "c-2"));
    }

    [Fact]
    public void The_boundary_between_sender_and_client_id_is_part_of_the_key()
    {
        Assert.NotEqual(IdempotencyKey.Of("a\nb", "c"), IdempotencyKey.Of("a", "b\nc"));
        Assert.NotEqual(IdempotencyKey.Of("ab", ""), IdempotencyKey.Of("a", "b"));
    }

    [Fact]
    public void Ids_longer_than_the_stack_buffer_hash_by_their_whole_text()
    {
        var longId = new string('ж', 1_000);

        Assert.Equal(IdempotencyKey.Of(longId, longId + "x"), IdempotencyKey.Of(longId, longId + "x"));
        Assert.NotEqual(IdempotencyKey.Of(longId, longId + "x"), IdempotencyKey.Of(longId, longId + "y"));
    }
}
