using OrleansChat.Grains;
using OrleansChat.Grains.Conversations;
using OrleansChat.Grains.MessageLog.InMemory;
using OrleansChat.Model;

namespace OrleansChat.Tests.Grains;

/// <summary>The sequencer's resend window, keyed by a hash of (sender id, client id) rather than a string.</summary>
public sealed class ConversationSequencerWindowTests
{
    private const string Conv = "room:window";
    private readonly ChatOptions _options = new() { IdempotencyWindow = TimeSpan.FromMinutes(1) };

    [Fact]
    public async Task The_same_client_id_from_two_senders_takes_two_seqs_and_each_resend_is_its_own_duplicate()
    {
        var sequencer = new ConversationSequencer(Conv, new InMemoryMessageLog(), _options);
        var alice = new UserProfile("alice", "Alice", null);
        var bob = new UserProfile("bob", "Bob", null);

        var fromAlice = await sequencer.AppendAsync(alice, "c-1", new TextBody("a"), 0);
        var fromBob = await sequencer.AppendAsync(bob, "c-1", new TextBody("b"), 10);
        var aliceAgain = await sequencer.AppendAsync(alice, "c-1", new TextBody("a"), 20);
        var bobAgain = await sequencer.AppendAsync(bob, "c-1", new TextBody("b"), 30);

        Assert.Equal((1L, false, 2L, false), (fromAlice.Message.Seq, fromAlice.Duplicate, fromBob.Message.Seq, fromBob.Duplicate));
        Assert.Equal((1L, 0L, true), (aliceAgain.Message.Seq, aliceAgain.Message.Ts, aliceAgain.Duplicate));
        Assert.Equal((2L, 10L, true), (bobAgain.Message.Seq, bobAgain.Message.Ts, bobAgain.Duplicate));
    }

    [Fact]
    public async Task Ids_that_would_join_into_one_string_stay_two_sends()
    {
        var sequencer = new ConversationSequencer(Conv, new InMemoryMessageLog(), _options);

        var first = await sequencer.AppendAsync(new UserProfile("a\nb", "A", null), "c", new TextBody("x"), 0);
        var second = await sequencer.AppendAsync(new UserProfile("a", "A", null), "b\nc", new TextBody("x"), 1);

        Assert.False(first.Duplicate || second.Duplicate);
        Assert.Equal(2L, second.Message.Seq);
    }

    [Fact]
    public async Task A_send_without_client_id_is_never_a_resend()
    {
        var sequencer = new ConversationSequencer(Conv, new InMemoryMessageLog(), _options);
        var alice = new UserProfile("alice", "Alice", null);

        await sequencer.AppendAsync(alice, null, new TextBody("x"), 0);
        var second = await sequencer.AppendAsync(alice, null, new TextBody("x"), 1);

        Assert.Equal((2L, false), (second.Message.Seq, second.Duplicate));
    }
}
