using OrleansChat.Grains.MessageLog;
using OrleansChat.Grains.MessageLog.InMemory;
using OrleansChat.Model;

namespace OrleansChat.Tests.MessageLog;

public sealed class InMemoryMessageLogStorageTests
{
    private const string Conv = "room:storage";
    private static readonly UserProfile Alice = new("alice", "Alice", null);
    private static readonly UserProfile Bob = new("bob", "Bob", "https://cdn.example/b.png");

    [Fact]
    public async Task Colliding_idempotency_keys_never_drop_or_confuse_a_message()
    {
        var log = new InMemoryMessageLog(chunkSize: 64, idempotencyKey: (_, _) => UInt128.MaxValue); // probing wraps to 0
        ChatMessage[] sent =
        [
            new(Conv, 1, 10, Alice, new TextBody("from alice"), "c-1"),
            new(Conv, 2, 20, Bob, new TextBody("from bob"), "c-1"),
            new(Conv, 3, 30, Alice, new TextBody("alice again"), "c-2"),
        ];
        foreach (var message in sent)
        {
            Assert.False((await log.AppendAsync(message)).Duplicate);
        }

        var bobResends = await log.AppendAsync(sent[1] with { Seq = 4, Ts = 40 });
        var aliceResends = await log.AppendAsync(sent[2] with { Seq = 4, Ts = 40 });

        Assert.Equal((sent[1], true), (bobResends.Message, bobResends.Duplicate));
        Assert.Equal((sent[2], true), (aliceResends.Message, aliceResends.Duplicate));
        Assert.Equal(sent, (await log.ReadAfterAsync(Conv, 0, 10)).Messages);
    }

    [Fact]
    public async Task Messages_larger_than_a_chunk_and_across_chunks_read_back_whole_in_any_append_order()
    {
        var log = new InMemoryMessageLog(chunkSize: 128, IdempotencyKey.Of);
        var messages = Enumerable.Range(1, 40)
            .Select(seq => new ChatMessage(Conv, seq, seq, seq % 3 == 0 ? Bob : Alice, new TextBody(new string('ü', seq * 7)), $"c-{seq}"))
            .ToList();
        var order = messages.Where(m => m.Seq % 2 == 0).Concat(messages.Where(m => m.Seq % 2 == 1).Reverse());

        foreach (var message in order)
        {
            Assert.False((await log.AppendAsync(message)).Duplicate);
        }

        Assert.Equal(messages, (await log.ReadAfterAsync(Conv, 0, 100)).Messages);
        Assert.Equal(messages[20..30], (await log.ReadBeforeAsync(Conv, 31, 10)).Messages);
        Assert.Equal(40, await log.GetLastSeqAsync(Conv));
    }

    [Fact]
    public async Task A_page_shares_one_profile_instance_per_sender()
    {
        var log = new InMemoryMessageLog();
        for (var seq = 1; seq <= 4; seq++)
        {
            await log.AppendAsync(new ChatMessage(Conv, seq, seq, seq % 2 == 0 ? Bob : Alice, new TextBody("x"), null));
        }

        var page = (await log.ReadAfterAsync(Conv, 0, 10)).Messages;

        Assert.Same(page[0].From, page[2].From);
        Assert.Same(page[1].From, page[3].From);
        Assert.Equal([Alice, Bob, Alice, Bob], page.Select(m => m.From));
    }

    [Fact]
    public async Task A_body_kind_the_log_cannot_store_is_refused_and_the_log_keeps_working()
    {
        var log = new InMemoryMessageLog();

        await Assert.ThrowsAsync<ArgumentException>(() => log.AppendAsync(new ChatMessage(Conv, 1, 1, Alice, new UnknownBody(), "c-1")));
        var stored = await log.AppendAsync(new ChatMessage(Conv, 1, 1, Alice, new TextBody("fine"), "c-1"));

        Assert.False(stored.Duplicate);
        Assert.Equal(1, await log.GetLastSeqAsync(Conv));
    }

    private sealed record UnknownBody : MessageBody;
}
