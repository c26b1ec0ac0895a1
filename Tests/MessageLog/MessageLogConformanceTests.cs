using OrleansChat.Grains.MessageLog;
using OrleansChat.Model;

namespace OrleansChat.Tests.MessageLog;

/// <summary>
/// The contract of <see cref="IMessageLog"/>, run against every backend by deriving from this class. Each test
/// uses its own conversation ids, so backends may share one database across tests.
/// </summary>
public abstract class MessageLogConformanceTests
{
    protected static readonly UserProfile Alice = new("alice", "Alice", "https://cdn.example/alice.png");
    protected static readonly UserProfile Bob = new("bob", "Bob", AvatarUrl: null);

    /// <summary>A log to test; backends that cannot run here call <c>Skip.If</c> in it.</summary>
    protected abstract Task<IMessageLog> CreateLogAsync();

    protected static string NewConv() => $"room:t{Guid.NewGuid():N}";

    protected static ChatMessage Message(
        string conv, long seq, string? clientId = null, UserProfile? from = null, MessageBody? body = null, long? ts = null) =>
        new(conv, seq, ts ?? 1_764_000_000_000 + seq, from ?? Alice, body ?? new TextBody($"message {seq}"), clientId);

    private static async Task<IReadOnlyList<ChatMessage>> AppendRangeAsync(IMessageLog log, string conv, int count)
    {
        var messages = new List<ChatMessage>();
        for (var seq = 1; seq <= count; seq++)
        {
            var message = Message(conv, seq);
            await log.AppendAsync(message);
            messages.Add(message);
        }

        return messages;
    }

    private static long[] Seqs(MessagePage page) => page.Messages.Select(m => m.Seq).ToArray();

    [SkippableFact]
    public async Task Erase_replaces_the_body_in_the_store_and_keeps_the_rest()
    {
        var log = await CreateLogAsync();
        var conv = NewConv();
        await log.AppendAsync(Message(conv, 1, "c-1", Alice, new TextBody("sent by mistake")));
        await log.AppendAsync(Message(conv, 2, "c-2", Bob, new ImageBody("https://cdn.example/x.png", 1, 2)));
        await log.AppendAsync(Message(conv, 3, clientId: null, Alice, new RecallBody(1)));

        Assert.True(await log.EraseAsync(conv, 1));
        Assert.True(await log.EraseAsync(conv, 1)); // idempotent
        Assert.False(await log.EraseAsync(conv, 9));
        Assert.False(await log.EraseAsync(NewConv(), 1));

        var page = await log.ReadAfterAsync(conv, 0, 10);
        Assert.Equal(Message(conv, 1, "c-1", Alice, new RecalledBody()), page.Messages[0]);
        Assert.Equal(Message(conv, 2, "c-2", Bob, new ImageBody("https://cdn.example/x.png", 1, 2)), page.Messages[1]);
        Assert.Equal(new RecallBody(1), page.Messages[2].Body);
        Assert.Equal(3, await log.GetLastSeqAsync(conv));

        var resend = await log.AppendAsync(Message(conv, 4, "c-1", Alice, new TextBody("sent by mistake")));
        Assert.True(resend.Duplicate); // the client id is kept: a resend is still recognised, and gets the erased original
        Assert.Equal((1L, (MessageBody)new RecalledBody()), (resend.Message.Seq, resend.Message.Body));
    }

    [SkippableFact]
    public async Task Append_and_read_round_trip_every_body_kind_with_all_fields()
    {
        var log = await CreateLogAsync();
        var conv = NewConv();
        ChatMessage[] messages =
        [
            Message(conv, 1, "c-1", Alice, new TextBody("hello, wörld ✓")),
            Message(conv, 2, "c-2", Bob, new ImageBody("https://cdn.example/cat.jpg", 640, 480)),
            Message(conv, 3, clientId: null, Alice, new ImageBody("https://cdn.example/dog.jpg")),
            Message(conv, 4, "c-4", Bob, new AudioBody("https://cdn.example/hi.ogg", 1500)),
            Message(conv, 5, clientId: null, Bob, new TextBody(""), ts: 0),
        ];

        foreach (var message in messages)
        {
            var result = await log.AppendAsync(message);
            Assert.False(result.Duplicate);
            Assert.Equal(message, result.Message);
        }

        var page = await log.ReadAfterAsync(conv, 0, 10);
        Assert.Equal(messages, page.Messages);
        Assert.False(page.More);

        var history = await log.ReadBeforeAsync(conv, null, 10);
        Assert.Equal(messages, history.Messages);
        Assert.False(history.More);
    }

    [SkippableFact]
    public async Task ReadBefore_null_returns_the_newest_page_ascending()
    {
        var log = await CreateLogAsync();
        var conv = NewConv();
        var messages = await AppendRangeAsync(log, conv, 10);

        var page = await log.ReadBeforeAsync(conv, null, 3);

        Assert.Equal(messages.Skip(7), page.Messages);
        Assert.True(page.More);
    }

    [SkippableFact]
    public async Task ReadBefore_pages_backwards_with_more_flag_and_limit()
    {
        var log = await CreateLogAsync();
        var conv = NewConv();
        await AppendRangeAsync(log, conv, 10);

        var page = await log.ReadBeforeAsync(conv, 8, 3);
        Assert.Equal([5L, 6, 7], Seqs(page));
        Assert.True(page.More);

        page = await log.ReadBeforeAsync(conv, 5, 3);
        Assert.Equal([2L, 3, 4], Seqs(page));
        Assert.True(page.More);

        // Exactly `limit` left: a full page, and no more.
        page = await log.ReadBeforeAsync(conv, 4, 3);
        Assert.Equal([1L, 2, 3], Seqs(page));
        Assert.False(page.More);

        page = await log.ReadBeforeAsync(conv, 3, 5);
        Assert.Equal([1L, 2], Seqs(page));
        Assert.False(page.More);

        page = await log.ReadBeforeAsync(conv, 1, 5);
        Assert.Empty(page.Messages);
        Assert.False(page.More);

        // `before` above the last seq is the newest page.
        page = await log.ReadBeforeAsync(conv, 1_000, 2);
        Assert.Equal([9L, 10], Seqs(page));
        Assert.True(page.More);
    }

    [SkippableFact]
    public async Task ReadAfter_pages_forwards_with_more_flag_and_limit()
    {
        var log = await CreateLogAsync();
        var conv = NewConv();
        var messages = await AppendRangeAsync(log, conv, 10);

        var page = await log.ReadAfterAsync(conv, 0, 4);
        Assert.Equal(messages.Take(4), page.Messages);
        Assert.True(page.More);

        page = await log.ReadAfterAsync(conv, 4, 4);
        Assert.Equal([5L, 6, 7, 8], Seqs(page));
        Assert.True(page.More);

        // Exactly `limit` left: a full page, and no more.
        page = await log.ReadAfterAsync(conv, 8, 2);
        Assert.Equal([9L, 10], Seqs(page));
        Assert.False(page.More);

        page = await log.ReadAfterAsync(conv, 7, 10);
        Assert.Equal([8L, 9, 10], Seqs(page));
        Assert.False(page.More);

        page = await log.ReadAfterAsync(conv, 10, 5);
        Assert.Empty(page.Messages);
        Assert.False(page.More);
    }

    [SkippableFact]
    public async Task Empty_conversation_reads_nothing_and_LastSeq_is_zero()
    {
        var log = await CreateLogAsync();
        var conv = NewConv();

        Assert.Equal(0, await log.GetLastSeqAsync(conv));
        var before = await log.ReadBeforeAsync(conv, null, 10);
        Assert.Empty(before.Messages);
        Assert.False(before.More);
        var after = await log.ReadAfterAsync(conv, 0, 10);
        Assert.Empty(after.Messages);
        Assert.False(after.More);
    }

    [SkippableFact]
    public async Task LastSeq_is_the_highest_stored()
    {
        var log = await CreateLogAsync();
        var conv = NewConv();

        await log.AppendAsync(Message(conv, 1));
        Assert.Equal(1, await log.GetLastSeqAsync(conv));
        await log.AppendAsync(Message(conv, 3));
        await log.AppendAsync(Message(conv, 2));
        Assert.Equal(3, await log.GetLastSeqAsync(conv));
    }

    [SkippableFact]
    public async Task Resend_with_same_client_id_returns_the_original_as_duplicate()
    {
        var log = await CreateLogAsync();
        var conv = NewConv();
        var original = Message(conv, 1, "c-1", Alice, new TextBody("hi"));
        await log.AppendAsync(original);

        var resend = await log.AppendAsync(original);

        Assert.True(resend.Duplicate);
        Assert.Equal(original, resend.Message);
        var page = await log.ReadAfterAsync(conv, 0, 10);
        Assert.Equal([original], page.Messages);
    }

    [SkippableFact]
    public async Task Resend_with_same_client_id_and_a_new_seq_returns_the_original_and_writes_nothing()
    {
        var log = await CreateLogAsync();
        var conv = NewConv();
        var original = Message(conv, 1, "c-1", Alice, new TextBody("hi"));
        await log.AppendAsync(original);

        // The sender lost the ack and resent; the conversation stamped it again with the next seq and a new ts.
        var resend = await log.AppendAsync(Message(conv, 2, "c-1", Alice, new TextBody("hi"), ts: original.Ts + 5_000));

        Assert.True(resend.Duplicate);
        Assert.Equal(original, resend.Message);
        Assert.Equal(1, await log.GetLastSeqAsync(conv));
        Assert.Equal([original], (await log.ReadAfterAsync(conv, 0, 10)).Messages);
    }

    [SkippableFact]
    public async Task Resend_with_same_client_id_at_the_same_seq_but_new_ts_returns_the_original()
    {
        var log = await CreateLogAsync();
        var conv = NewConv();
        var original = Message(conv, 1, "c-1");
        await log.AppendAsync(original);

        var resend = await log.AppendAsync(original with { Ts = original.Ts + 1 });

        Assert.True(resend.Duplicate);
        Assert.Equal(original, resend.Message);
    }

    [SkippableFact]
    public async Task Same_client_id_from_another_sender_is_not_a_duplicate()
    {
        var log = await CreateLogAsync();
        var conv = NewConv();
        var fromAlice = Message(conv, 1, "c-1", Alice);
        var fromBob = Message(conv, 2, "c-1", Bob);

        Assert.False((await log.AppendAsync(fromAlice)).Duplicate);
        var result = await log.AppendAsync(fromBob);

        Assert.False(result.Duplicate);
        Assert.Equal(fromBob, result.Message);
        Assert.Equal([fromAlice, fromBob], (await log.ReadAfterAsync(conv, 0, 10)).Messages);
    }

    [SkippableFact]
    public async Task Same_client_id_in_another_conversation_is_not_a_duplicate()
    {
        var log = await CreateLogAsync();
        var first = Message(NewConv(), 1, "c-1");
        var second = Message(NewConv(), 1, "c-1");

        Assert.False((await log.AppendAsync(first)).Duplicate);
        Assert.False((await log.AppendAsync(second)).Duplicate);
    }

    [SkippableFact]
    public async Task Messages_without_client_id_are_never_matched_by_it()
    {
        var log = await CreateLogAsync();
        var conv = NewConv();

        Assert.False((await log.AppendAsync(Message(conv, 1, clientId: null))).Duplicate);
        Assert.False((await log.AppendAsync(Message(conv, 2, clientId: null))).Duplicate);
        Assert.Equal(2, await log.GetLastSeqAsync(conv));
    }

    [SkippableFact]
    public async Task The_same_message_again_at_its_seq_is_a_duplicate()
    {
        var log = await CreateLogAsync();
        var conv = NewConv();
        var message = Message(conv, 1, clientId: null);
        await log.AppendAsync(message);

        var again = await log.AppendAsync(message);

        Assert.True(again.Duplicate);
        Assert.Equal(message, again.Message);
    }

    [SkippableFact]
    public async Task A_different_message_at_an_existing_seq_throws_SequenceConflict()
    {
        var log = await CreateLogAsync();
        var conv = NewConv();
        var stored = Message(conv, 1, "c-1", Alice, new TextBody("first"));
        await log.AppendAsync(stored);

        await Assert.ThrowsAsync<SequenceConflictException>(() => log.AppendAsync(Message(conv, 1, "c-2", Alice, new TextBody("second"))));
        await Assert.ThrowsAsync<SequenceConflictException>(() => log.AppendAsync(Message(conv, 1, clientId: null, Bob)));
        await Assert.ThrowsAsync<SequenceConflictException>(() => log.AppendAsync(Message(conv, 1, "c-1", Bob, new TextBody("first"))));

        Assert.Equal([stored], (await log.ReadAfterAsync(conv, 0, 10)).Messages);
    }

    [SkippableFact]
    public async Task Conversations_are_isolated()
    {
        var log = await CreateLogAsync();
        var first = NewConv();
        var second = NewConv();
        var firstMessages = await AppendRangeAsync(log, first, 3);
        var secondMessages = await AppendRangeAsync(log, second, 5);

        Assert.Equal(firstMessages, (await log.ReadAfterAsync(first, 0, 10)).Messages);
        Assert.Equal(secondMessages, (await log.ReadBeforeAsync(second, null, 10)).Messages);
        Assert.Equal(3, await log.GetLastSeqAsync(first));
        Assert.Equal(5, await log.GetLastSeqAsync(second));
    }

    [SkippableFact]
    public async Task Concurrent_appends_of_distinct_seqs_all_land()
    {
        var log = await CreateLogAsync();
        var conv = NewConv();
        const int count = 50;
        var messages = Enumerable.Range(1, count).Select(seq => Message(conv, seq, $"c-{seq}", seq % 2 == 0 ? Alice : Bob)).ToList();

        var results = await Task.WhenAll(messages.Select(m => Task.Run(() => log.AppendAsync(m))));

        Assert.All(results, r => Assert.False(r.Duplicate));
        Assert.Equal(messages, (await log.ReadAfterAsync(conv, 0, count * 2)).Messages);
        Assert.Equal(count, await log.GetLastSeqAsync(conv));
    }

    [SkippableFact]
    public async Task A_batch_stores_every_message_in_order_across_conversations()
    {
        var log = await CreateLogAsync();
        var (first, second) = (NewConv(), NewConv());
        ChatMessage[] batch =
        [
            Message(first, 1, "c-1", Alice, new TextBody("one")),
            Message(second, 1, "c-1", Bob, new ImageBody("https://cdn.example/x.png", 1, 2)),
            Message(first, 2, clientId: null, Bob, new AudioBody("https://cdn.example/a.ogg", 900)),
            Message(first, 3, "c-3", Alice),
            Message(second, 2, "c-2", Bob),
        ];

        var outcomes = await log.AppendBatchAsync(batch);

        Assert.Equal(batch, outcomes.Select(o => o.GetResultOrThrow().Message));
        Assert.All(outcomes, o => Assert.False(o.Result!.Duplicate));
        Assert.Equal(batch.Where(m => m.Conv == first), (await log.ReadAfterAsync(first, 0, 10)).Messages);
        Assert.Equal(batch.Where(m => m.Conv == second), (await log.ReadAfterAsync(second, 0, 10)).Messages);
        Assert.Empty(await log.AppendBatchAsync([]));
    }

    [SkippableFact]
    public async Task Duplicates_within_a_batch_are_answered_with_the_first()
    {
        var log = await CreateLogAsync();
        var conv = NewConv();
        var original = Message(conv, 1, "c-1", Alice, new TextBody("hi"));
        var withoutId = Message(conv, 2, clientId: null, Bob);

        var outcomes = await log.AppendBatchAsync([original, original with { Ts = original.Ts + 1 }, withoutId, withoutId]);

        Assert.Equal(
            [(original, false), (original, true), (withoutId, false), (withoutId, true)],
            outcomes.Select(o => (o.GetResultOrThrow().Message, o.Result!.Duplicate)));
        Assert.Equal([original, withoutId], (await log.ReadAfterAsync(conv, 0, 10)).Messages);
    }

    [SkippableFact]
    public async Task Duplicates_across_batches_are_answered_with_the_stored_original()
    {
        var log = await CreateLogAsync();
        var conv = NewConv();
        var (one, two) = (Message(conv, 1, "c-1"), Message(conv, 2, "c-2", Bob));
        await log.AppendBatchAsync([one, two]);
        var three = Message(conv, 3, "c-3");

        var outcomes = await log.AppendBatchAsync([two with { Ts = two.Ts + 7 }, three]);

        Assert.Equal([(two, true), (three, false)], outcomes.Select(o => (o.GetResultOrThrow().Message, o.Result!.Duplicate)));
        Assert.Equal([one, two, three], (await log.ReadAfterAsync(conv, 0, 10)).Messages);
    }

    [SkippableFact]
    public async Task A_conflict_in_the_middle_of_a_batch_fails_only_that_message()
    {
        var log = await CreateLogAsync();
        var (conv, other) = (NewConv(), NewConv());
        var taken = Message(conv, 2, "someone-else", Bob, new TextBody("already here"));
        await log.AppendAsync(taken);
        var (one, clash, three, elsewhere) = (Message(conv, 1, "c-1"), Message(conv, 2, "c-2"), Message(conv, 3, "c-3"), Message(other, 1, "c-1"));

        var outcomes = await log.AppendBatchAsync([one, clash, three, elsewhere]);

        Assert.Equal(one, outcomes[0].GetResultOrThrow().Message);
        Assert.IsType<SequenceConflictException>(outcomes[1].Failure);
        Assert.False(outcomes[1].LeavesSeqUnused(clash));
        Assert.Equal(three, outcomes[2].GetResultOrThrow().Message);
        Assert.Equal(elsewhere, outcomes[3].GetResultOrThrow().Message);
        Assert.Equal([one, taken, three], (await log.ReadAfterAsync(conv, 0, 10)).Messages);
    }

    [SkippableFact]
    public async Task A_resend_at_a_new_seq_in_a_batch_leaves_that_seq_unused_and_stops_its_conversations_later_messages()
    {
        var log = await CreateLogAsync();
        var (conv, other) = (NewConv(), NewConv());
        var original = Message(conv, 1, "c-1", Alice, new TextBody("hi"));
        await log.AppendAsync(original);
        // A new activation lost its memory of c-1 and stamped the resend with seq 2, then took seq 3 for the next send.
        var resend = Message(conv, 2, "c-1", Alice, new TextBody("hi"));
        var (next, elsewhere) = (Message(conv, 3, "c-3"), Message(other, 1, "c-1"));

        var outcomes = await log.AppendBatchAsync([resend, next, elsewhere]);

        Assert.Equal((original, true), (outcomes[0].GetResultOrThrow().Message, outcomes[0].Result!.Duplicate));
        Assert.True(outcomes[0].LeavesSeqUnused(resend));
        var aborted = Assert.IsType<ChatException>(outcomes[1].Failure);
        Assert.Equal(ChatErrorCode.Unavailable, aborted.Code);
        Assert.Equal(elsewhere, outcomes[2].GetResultOrThrow().Message);
        Assert.Equal([original], (await log.ReadAfterAsync(conv, 0, 10)).Messages);
        Assert.Equal(1, await log.GetLastSeqAsync(conv));
    }

    [SkippableFact]
    public async Task Non_positive_limit_reads_nothing()
    {
        var log = await CreateLogAsync();
        var conv = NewConv();
        await AppendRangeAsync(log, conv, 2);

        Assert.Empty((await log.ReadBeforeAsync(conv, null, 0)).Messages);
        Assert.Empty((await log.ReadAfterAsync(conv, 0, 0)).Messages);
    }
}
