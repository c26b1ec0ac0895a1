using OrleansChat.Grains.MessageLog;
using OrleansChat.Grains.MessageLog.Mongo;
using OrleansChat.Model;

namespace OrleansChat.Tests.MessageLog;

/// <summary>The offline part of <see cref="MongoMessageLog.AppendBatchAsync"/>: what goes in the next InsertMany after a resend.</summary>
public sealed class MongoBatchPlanTests
{
    private static readonly UserProfile Alice = new("alice", "Alice", null);

    [Fact]
    public void After_a_resend_its_conversations_later_messages_are_aborted_and_the_others_still_go()
    {
        ChatMessage[] batch = [Message("room:a", 2), Message("room:a", 3), Message("room:b", 1), Message("room:a", 4), Message("room:b", 2)];
        var outcomes = new AppendOutcome?[batch.Length];
        var holes = new SeqHoles();
        holes.Add(batch[0]); // room:a seq 2 turned out a resend of an older message

        var pending = MongoMessageLog.PendingFrom(1, batch, outcomes, holes);

        Assert.Equal([2, 4], pending);
        Assert.All(new[] { outcomes[1], outcomes[3] }, o => Assert.Equal(ChatErrorCode.Unavailable, Assert.IsType<ChatException>(o!.Failure).Code));
        Assert.Null(outcomes[2]);
        Assert.Equal([0, 1, 2, 3, 4], MongoMessageLog.PendingFrom(0, batch, new AppendOutcome?[batch.Length], new SeqHoles()));
    }

    private static ChatMessage Message(string conv, long seq) => new(conv, seq, seq, Alice, new TextBody("x"), $"c-{seq}");
}
