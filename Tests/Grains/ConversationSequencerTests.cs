using OrleansChat.Grains;
using OrleansChat.Grains.Conversations;
using OrleansChat.Grains.MessageLog.InMemory;
using OrleansChat.Model;

namespace OrleansChat.Tests.Grains;

public sealed class ConversationSequencerTests
{
    private const string Conv = "room:lobby";
    private static readonly UserProfile Alice = new("alice", "Alice", null);
    private readonly InMemoryMessageLog _log = new();
    private readonly ChatOptions _options = new() { IdempotencyWindow = TimeSpan.FromMinutes(1), MaxPageSize = 3 };

    [Fact]
    public async Task Recovers_the_last_seq_from_the_log()
    {
        await _log.AppendAsync(new ChatMessage(Conv, 1, 0, Alice, new TextBody("old"), "a"));
        var sequencer = new ConversationSequencer(Conv, _log, _options);

        var (message, duplicate) = await sequencer.AppendAsync(Alice, "b", new TextBody("new"), 10);

        Assert.Equal((2L, false), (message.Seq, duplicate));
    }

    [Fact]
    public async Task A_resend_takes_no_seq_in_or_after_the_memory_window()
    {
        var sequencer = new ConversationSequencer(Conv, _log, _options);
        var first = await sequencer.AppendAsync(Alice, "x", new TextBody("hi"), 0);

        var soon = await sequencer.AppendAsync(Alice, "x", new TextBody("hi"), 1_000);
        var later = await sequencer.AppendAsync(Alice, "x", new TextBody("hi"), 3_600_000); // forgotten in memory, found in the log
        var next = await sequencer.AppendAsync(Alice, "y", new TextBody("hi"), 3_600_001);

        Assert.Equal(first.Message, soon.Message);
        Assert.Equal(first.Message, later.Message);
        Assert.True(soon.Duplicate && later.Duplicate);
        Assert.Equal(2L, next.Message.Seq);
    }

    [Fact]
    public async Task A_seq_taken_by_another_writer_is_retried_after_catching_up()
    {
        var sequencer = new ConversationSequencer(Conv, _log, _options);
        await sequencer.AppendAsync(Alice, "a", new TextBody("one"), 0);
        await _log.AppendAsync(new ChatMessage(Conv, 2, 1, Alice, new TextBody("from a stale activation"), "other"));

        var (message, duplicate) = await sequencer.AppendAsync(Alice, "b", new TextBody("two"), 2);

        Assert.Equal((3L, false), (message.Seq, duplicate));
    }

    [Fact]
    public async Task Page_limits_are_clamped_to_one_to_max_page_size()
    {
        var sequencer = new ConversationSequencer(Conv, _log, _options);
        for (var i = 0; i < 5; i++)
        {
            await sequencer.AppendAsync(Alice, $"m{i}", new TextBody("x"), i);
        }

        Assert.Equal(3, (await sequencer.ReadAfterAsync(0, 100)).Messages.Count);
        Assert.Single((await sequencer.ReadBeforeAsync(null, -5)).Messages);
    }
}
