using OrleansChat.Grains;
using OrleansChat.Grains.Conversations;
using OrleansChat.Grains.MessageLog;
using OrleansChat.Grains.MessageLog.GroupCommit;
using OrleansChat.Grains.MessageLog.InMemory;
using OrleansChat.Model;
using OrleansChat.Tests.Infrastructure;
using OrleansChat.Tests.MessageLog;

namespace OrleansChat.Tests.Grains;

/// <summary>
/// The sequencer with several sends in flight, as an interleaving grain drives it: every call and continuation runs on
/// one exclusive scheduler (a grain's is one too), and the batches of the group-commit log are committed or failed by
/// the test (<see cref="GatedMessageLog"/>), so what is asserted is the order of events.
/// </summary>
public sealed class PipelinedSequencerTests : IDisposable
{
    private const string Conv = "room:pipelined";
    private static readonly UserProfile Alice = new("alice", "Alice", null);
    private readonly GatedMessageLog _gated = new(new InMemoryMessageLog());
    private readonly GroupCommitMessageLog _log;
    private readonly ConversationSequencer _sequencer;
    private readonly TaskScheduler _grain = new ConcurrentExclusiveSchedulerPair().ExclusiveScheduler;
    private readonly List<long> _resumed = []; // touched only on _grain, like a grain's fields

    public PipelinedSequencerTests()
    {
        _log = new GroupCommitMessageLog(_gated, new GroupCommitOptions { Lanes = 1 });
        _sequencer = Sequencer();
    }

    [Fact]
    public async Task Sends_take_their_seqs_while_earlier_ones_commit_and_resume_in_seq_order()
    {
        var first = Send("c-1");
        var batch1 = await _gated.NextBatchAsync();
        var more = Enumerable.Range(2, 9).Select(i => Send($"c-{i}")).ToList();

        await Eventually.TrueAsync(() => _log.QueuedCount == 9, "the next sends were taken while the first one commits");
        Assert.False(first.IsCompleted);
        batch1.Commit();
        var batch2 = await _gated.NextBatchAsync();
        Assert.Equal(Enumerable.Range(2, 9).Select(i => (long)i), batch2.Seqs);
        Assert.False(more.Any(s => s.IsCompleted), "no ack before durable");
        batch2.Commit();

        var receipts = await Task.WhenAll(more.Prepend(first));
        Assert.Equal(Enumerable.Range(1, 10).Select(i => (long)i), receipts.Select(r => r.Message.Seq));
        Assert.Equal(Enumerable.Range(1, 10).Select(i => (long)i), await OnGrain(() => Task.FromResult(_resumed.ToList())));
    }

    [Fact]
    public async Task A_resend_of_a_send_still_in_flight_waits_for_it_and_takes_no_seq()
    {
        var original = Send("c-1");
        var batch1 = await _gated.NextBatchAsync();
        var resend = Send("c-1");
        var next = Send("c-2");
        await Eventually.TrueAsync(() => _log.QueuedCount == 1, "the next send was queued");

        batch1.Commit();
        var batch2 = await _gated.NextBatchAsync();
        Assert.Equal([2L], batch2.Seqs);
        batch2.Commit();

        Assert.Equal((1L, false), ((await original).Message.Seq, (await original).Duplicate));
        Assert.Equal((1L, true), ((await resend).Message.Seq, (await resend).Duplicate));
        Assert.Equal(2L, (await next).Message.Seq);
        Assert.Equal(2, _gated.BatchCount);
    }

    [Fact]
    public async Task A_failed_batch_fails_its_sends_and_the_ones_queued_above_them_and_resends_fill_the_seqs_without_a_gap()
    {
        var first = Send("c-1");
        var batch1 = await _gated.NextBatchAsync();
        var second = Send("c-2");
        var third = Send("c-3");
        await Eventually.TrueAsync(() => _log.QueuedCount == 2, "the next sends were queued");

        batch1.Fail(new TimeoutException("the database did not answer"));

        await Assert.ThrowsAsync<TimeoutException>(() => first);
        Assert.Equal(ChatErrorCode.Unavailable, (await Assert.ThrowsAsync<ChatException>(() => second)).Code);
        Assert.Equal(ChatErrorCode.Unavailable, (await Assert.ThrowsAsync<ChatException>(() => third)).Code);
        Assert.Equal(1, _gated.BatchCount);

        // The senders resend with the same ids; the sequence was re-read from the log (still empty).
        _gated.Gated = false;
        var resent = new List<AppendResult>();
        foreach (var id in new[] { "c-1", "c-2", "c-3" })
        {
            resent.Add(await Send(id));
        }

        Assert.Equal([(1L, false), (2L, false), (3L, false)], resent.Select(r => (r.Message.Seq, r.Duplicate)));
        Assert.Equal([1L, 2, 3], (await _log.ReadAfterAsync(Conv, 0, 10)).Messages.Select(m => m.Seq));
    }

    [Fact]
    public async Task A_resend_to_a_new_activation_across_a_batch_boundary_is_answered_with_the_original_and_leaves_no_gap()
    {
        _gated.Gated = false;
        var original = await Send("c-1");
        _gated.Gated = true;

        // A new activation (no memory of c-1): the resend is stamped seq 2 and the next send seq 3, pipelined.
        var reactivated = Sequencer();
        var resend = OnGrain(() => reactivated.AppendAsync(Alice, "c-1", new TextBody("c-1"), 5));
        var batch = await _gated.NextBatchAsync();
        var next = OnGrain(() => reactivated.AppendAsync(Alice, "c-2", new TextBody("c-2"), 6));
        await Eventually.TrueAsync(() => _log.QueuedCount == 1, "the next send was queued");
        Assert.Equal([2L], batch.Seqs);
        batch.Commit();

        Assert.Equal((original.Message, true), ((await resend).Message, (await resend).Duplicate));
        Assert.Equal(ChatErrorCode.Unavailable, (await Assert.ThrowsAsync<ChatException>(() => next)).Code);

        _gated.Gated = false;
        var again = await OnGrain(() => reactivated.AppendAsync(Alice, "c-2", new TextBody("c-2"), 7));
        Assert.Equal((2L, false), (again.Message.Seq, again.Duplicate));
        Assert.Equal([1L, 2], (await _log.ReadAfterAsync(Conv, 0, 10)).Messages.Select(m => m.Seq));
    }

    [Fact]
    public async Task A_retry_after_a_conflict_that_fails_too_resets_the_sequence_so_the_next_send_leaves_no_gap()
    {
        _gated.Gated = false;
        await Send("c-1");
        _gated.Gated = true;
        var send = Send("c-2");
        var batch1 = await _gated.NextBatchAsync();
        await _gated.Inner.AppendAsync(new ChatMessage(Conv, 2, 0, Alice, new TextBody("from a stale activation"), "stale"));
        batch1.Commit(); // seq 2 conflicts: the sequencer re-reads (2) and retries at seq 3

        var retry = await _gated.NextBatchAsync();
        Assert.Equal([3L], retry.Seqs);
        retry.Fail(new TimeoutException("the database did not answer"));
        await Assert.ThrowsAsync<TimeoutException>(() => send);

        _gated.Gated = false;
        Assert.Equal(3L, (await Send("c-3")).Message.Seq);
        Assert.Equal([1L, 2, 3], (await _log.ReadAfterAsync(Conv, 0, 10)).Messages.Select(m => m.Seq));
    }

    [Fact]
    public async Task The_last_seq_for_a_joiner_is_the_durable_one_while_sends_are_in_flight()
    {
        _gated.Gated = false;
        await Send("c-1");
        _gated.Gated = true;
        var inFlight = Send("c-2");
        var batch = await _gated.NextBatchAsync();

        Assert.Equal(1L, await OnGrain(_sequencer.LastSeqAsync));

        batch.Commit();
        await inFlight;
        Assert.Equal(2L, await OnGrain(_sequencer.LastSeqAsync));
    }

    /// <summary>Writes what a test left queued (bounded: a test that failed may have left a batch gated).</summary>
    public void Dispose()
    {
        _gated.Gated = false;
        _log.DisposeAsync().AsTask().Wait(TimeSpan.FromSeconds(5));
    }

    private ConversationSequencer Sequencer() => new(Conv, _log, new ChatOptions { IdempotencyWindow = TimeSpan.FromMinutes(1) });

    private Task<AppendResult> Send(string clientId) => OnGrain(async () =>
    {
        var result = await _sequencer.AppendAsync(Alice, clientId, new TextBody(clientId), 1_000);
        if (!result.Duplicate)
        {
            _resumed.Add(result.Message.Seq);
        }

        return result;
    });

    private Task<T> OnGrain<T>(Func<Task<T>> work) =>
        Task.Factory.StartNew(work, CancellationToken.None, TaskCreationOptions.None, _grain).Unwrap();
}
