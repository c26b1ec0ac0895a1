using OrleansChat.Grains.MessageLog;
using OrleansChat.Grains.MessageLog.GroupCommit;
using OrleansChat.Grains.MessageLog.InMemory;
using OrleansChat.Grains.MessageLog.Postgres;
using OrleansChat.Model;
using OrleansChat.Tests.Infrastructure;

namespace OrleansChat.Tests.MessageLog;

/// <summary>The shared contract over <see cref="GroupCommitMessageLog"/> in front of the in-memory log (batches written at once).</summary>
public sealed class GroupCommitMessageLogConformanceTests : MessageLogConformanceTests
{
    protected override Task<IMessageLog> CreateLogAsync() =>
        Task.FromResult<IMessageLog>(new GroupCommitMessageLog(new InMemoryMessageLog(), new GroupCommitOptions { Lanes = 2 }));
}

/// <summary>
/// How <see cref="GroupCommitMessageLog"/> batches, acks and fails, against a log whose batches the test commits or
/// fails one at a time (<see cref="GatedMessageLog"/>): what is asserted is the order of events, not timing.
/// </summary>
public sealed class GroupCommitMessageLogTests
{
    private static readonly UserProfile Alice = new("alice", "Alice", null);
    private readonly GatedMessageLog _gated = new(new InMemoryMessageLog());

    [Fact]
    public async Task An_append_completes_only_once_its_batch_is_durable_and_appends_arriving_meanwhile_go_together()
    {
        var log = OneLane();
        var conv = NewConv();

        var first = log.AppendAsync(Message(conv, 1));
        var batch1 = await _gated.NextBatchAsync();
        var second = log.AppendAsync(Message(conv, 2));
        var third = log.AppendAsync(Message(NewConv(), 1));

        Assert.Equal([1L], batch1.Seqs);
        Assert.False(first.IsCompleted);
        Assert.Equal(1, _gated.BatchCount); // one batch in flight per lane: the others wait for it
        Assert.Equal(2, log.QueuedCount);

        batch1.Commit();
        Assert.Equal(1, (await first).Message.Seq);
        var batch2 = await _gated.NextBatchAsync();
        Assert.Equal(2, batch2.Messages.Count);
        Assert.False(second.IsCompleted || third.IsCompleted);
        Assert.Empty((await _gated.Inner.ReadAfterAsync(conv, 1, 10)).Messages);

        batch2.Commit();
        Assert.Equal(2, (await second).Message.Seq);
        Assert.Equal(1, (await third).Message.Seq);
        Assert.Equal([1L, 2], (await log.ReadAfterAsync(conv, 0, 10)).Messages.Select(m => m.Seq));
    }

    [Fact]
    public async Task A_failed_batch_fails_its_own_sends_and_later_sends_of_its_conversations_fail_fast_until_the_seq_is_resent()
    {
        var log = OneLane();
        var (conv, other) = (NewConv(), NewConv());
        var failing = log.AppendAsync(Message(conv, 1));
        var batch1 = await _gated.NextBatchAsync();
        var above1 = log.AppendAsync(Message(conv, 2));
        var above2 = log.AppendAsync(Message(conv, 3));
        var unrelated = log.AppendAsync(Message(other, 1));

        var outage = new TimeoutException("the database did not answer");
        batch1.Fail(outage);

        Assert.Same(outage, await Assert.ThrowsAsync<TimeoutException>(() => failing));
        var batch2 = await _gated.NextBatchAsync();
        Assert.Equal([(other, 1L)], batch2.Messages.Select(m => (m.Conv, m.Seq)));
        foreach (var aborted in new[] { above1, above2 })
        {
            Assert.Equal(ChatErrorCode.Unavailable, (await Assert.ThrowsAsync<ChatException>(() => aborted)).Code);
        }

        batch2.Commit();
        await unrelated;

        // The sequencer re-reads the last seq (0) and the senders resend: seq 1 clears the mark, and 2 follows it.
        _gated.Gated = false;
        Assert.Equal(1, (await log.AppendAsync(Message(conv, 1))).Message.Seq);
        Assert.Equal(2, (await log.AppendAsync(Message(conv, 2))).Message.Seq);
        Assert.Equal([1L, 2], (await log.ReadAfterAsync(conv, 0, 10)).Messages.Select(m => m.Seq));
    }

    [Fact]
    public async Task A_full_queue_holds_further_appends_back_in_order_and_never_grows_past_its_bound()
    {
        var log = new GroupCommitMessageLog(_gated, new GroupCommitOptions { Lanes = 1, MaxBatchMessages = 2, MaxQueuedMessages = 2 });
        var conv = NewConv();
        var appends = new List<Task<AppendResult>> { log.AppendAsync(Message(conv, 1)) };
        var batch = await _gated.NextBatchAsync();
        for (var seq = 2; seq <= 7; seq++)
        {
            appends.Add(log.AppendAsync(Message(conv, seq)));
        }

        Assert.Equal((2, 4), (log.QueuedCount, log.WaitingForRoomCount));
        var written = new List<long>();
        while (true)
        {
            Assert.True(log.QueuedCount <= 2, "the queue stays within MaxQueuedMessages");
            Assert.True(batch.Messages.Count <= 2, "a batch stays within MaxBatchMessages");
            Assert.All(appends.Skip(written.Count), a => Assert.False(a.IsCompleted, "no ack before its batch is committed"));
            written.AddRange(batch.Seqs);
            batch.Commit();
            if (written.Count == 7)
            {
                break;
            }

            batch = await _gated.NextBatchAsync();
        }

        Assert.Equal(Enumerable.Range(1, 7).Select(i => (long)i), written);
        Assert.Equal(Enumerable.Range(1, 7).Select(i => (long)i), (await Task.WhenAll(appends)).Select(r => r.Message.Seq));
        Assert.Equal((0, 0), (log.QueuedCount, log.WaitingForRoomCount));
    }

    [Fact]
    public async Task A_batch_stays_within_its_byte_bound()
    {
        _gated.Gated = false;
        var log = new GroupCommitMessageLog(_gated, new GroupCommitOptions { Lanes = 1, MaxBatchBytes = 1024 });
        var conv = NewConv();
        var text = new string('x', 400);

        var appends = Enumerable.Range(1, 10).Select(seq => log.AppendAsync(Message(conv, seq) with { Body = new TextBody(text) })).ToList();
        await Task.WhenAll(appends);

        Assert.True(_gated.BatchCount >= 5, $"ten messages of over 400 bytes need at least five batches of 1 KiB, not {_gated.BatchCount}");
        Assert.Equal(10, await log.GetLastSeqAsync(conv));
    }

    [Fact]
    public async Task A_message_the_backend_cannot_store_is_refused_before_it_is_queued()
    {
        var log = new GroupCommitMessageLog(_gated, new GroupCommitOptions(), PostgresMessageRows.EnsureStorable);

        var refused = log.AppendAsync(Message(NewConv(), 1) with { Body = new TextBody("a\0b") });

        Assert.True(refused.IsFaulted);
        Assert.Equal(ChatErrorCode.BadRequest, (await Assert.ThrowsAsync<ChatException>(() => refused)).Code);
        Assert.Equal(0, _gated.BatchCount);
    }

    [Theory]
    [InlineData(0, 256, 1024 * 1024, 4096)]
    [InlineData(4, 0, 1024 * 1024, 4096)]
    [InlineData(4, 5000, 1024 * 1024, 8192)]
    [InlineData(4, 256, 100, 4096)]
    [InlineData(4, 256, 1024 * 1024, 10)]
    public void Settings_that_cannot_work_are_refused(int lanes, int maxBatchMessages, int maxBatchBytes, int maxQueuedMessages)
    {
        var options = new GroupCommitOptions
        {
            Lanes = lanes, MaxBatchMessages = maxBatchMessages, MaxBatchBytes = maxBatchBytes, MaxQueuedMessages = maxQueuedMessages,
        };

        Assert.NotNull(options.Problem());
        Assert.Throws<ArgumentException>(() => new GroupCommitMessageLog(_gated, options));
        Assert.Null(new GroupCommitOptions().Problem());
    }

    private GroupCommitMessageLog OneLane() => new(_gated, new GroupCommitOptions { Lanes = 1 });

    private static ChatMessage Message(string conv, long seq) => new(conv, seq, 1_000 + seq, Alice, new TextBody($"m{seq}"), $"c-{seq}");

    private static string NewConv() => Names.New("room:gc");
}
