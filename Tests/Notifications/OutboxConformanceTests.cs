using OrleansChat.Grains.Notifications;

namespace OrleansChat.Tests.Notifications;

/// <summary>
/// The contract of <see cref="INotificationOutbox"/>, run against every backend by deriving from this class. Each test
/// uses its own ids and a shard of its own, so backends may share one database across tests.
/// </summary>
public abstract class OutboxConformanceTests
{
    protected static readonly DateTimeOffset T0 = DateTimeOffset.FromUnixTimeMilliseconds(1_764_000_000_000);

    /// <summary>A lease's end far past every time these tests claim at, unless a test is about leases.</summary>
    private static readonly DateTimeOffset Lease = T0.AddYears(1);

    /// <summary>A store to test; backends that cannot run here call <c>Skip.If</c> in it.</summary>
    protected abstract Task<INotificationOutbox> CreateOutboxAsync();

    private static int NewShard() => Random.Shared.Next(1_000, int.MaxValue);

    private static OutboxEntry UserEntry(string id, int shard, long seq, string payload = "{}", DateTimeOffset? due = null) =>
        new(id, OutboxEntryKind.User, shard, payload, 1, seq, T0.AddSeconds(seq), T0, due ?? T0);

    private static OutboxEntry Webhook(string id, int shard, string payload = "{\"type\":\"x\"}", DateTimeOffset? due = null) =>
        new(id, OutboxEntryKind.Webhook, shard, payload, 1, 0, T0, T0, due ?? T0);

    private static string NewId(string prefix) => $"{prefix}:{Guid.NewGuid():N}";

    [SkippableFact]
    public async Task A_retried_enqueue_is_one_entry_and_counts_once()
    {
        var outbox = await CreateOutboxAsync();
        var shard = NewShard();
        var id = NewId("n");

        await outbox.EnqueueAsync([UserEntry(id, shard, seq: 5)]);
        await outbox.EnqueueAsync([UserEntry(id, shard, seq: 5)]);

        var stored = Assert.Single(await outbox.ClaimDueAsync(shard, T0, 10, Lease));
        Assert.Equal(id, stored.Id);
        Assert.Equal(1, stored.Count);
        Assert.Equal(OutboxStatus.Pending, stored.Status);
        Assert.Equal(0, stored.Attempts);
        Assert.Empty(stored.Done);
    }

    [SkippableFact]
    public async Task A_user_entry_absorbs_other_messages_counting_each_once_with_the_newest_payload()
    {
        var outbox = await CreateOutboxAsync();
        var shard = NewShard();
        var id = NewId("n");
        OutboxEntry[] batch = [UserEntry(id, shard, 30, "{\"v\":30}"), UserEntry(id, shard, 20, "{\"v\":20}"), UserEntry(id, shard, 40, "{\"v\":40}"), UserEntry(id, shard, 40, "{\"v\":40}")];

        await outbox.EnqueueAsync([UserEntry(id, shard, 10, "{\"v\":10}")]);
        await outbox.EnqueueAsync(batch);
        await outbox.EnqueueAsync(batch); // a retried write of the same batch
        var afterRetry = await outbox.FindAsync(id);
        await outbox.EnqueueAsync([UserEntry(id, shard, 35, "{\"v\":35}")]); // arrived late: counts, but is not the newest

        Assert.Equal((4, 40L, T0.AddSeconds(40), "{\"v\":40}"), (afterRetry!.Count, afterRetry.LastSeq, afterRetry.LastAt, afterRetry.Payload));
        var stored = await outbox.FindAsync(id);
        Assert.Equal((5, 40L, T0.AddSeconds(40), "{\"v\":40}"), (stored!.Count, stored.LastSeq, stored.LastAt, stored.Payload));
    }

    [SkippableFact]
    public async Task A_webhook_entry_is_never_changed_by_a_second_enqueue()
    {
        var outbox = await CreateOutboxAsync();
        var shard = NewShard();
        var id = NewId("message.created");

        await outbox.EnqueueAsync([Webhook(id, shard, "{\"first\":true}")]);
        await outbox.EnqueueAsync([Webhook(id, shard, "{\"first\":false}") with { LastSeq = 9 }]);

        var stored = await outbox.FindAsync(id);
        Assert.Equal("{\"first\":true}", stored!.Payload);
        Assert.Equal(OutboxEntryKind.Webhook, stored.Kind);
        Assert.Equal(1, stored.Count);
    }

    [SkippableFact]
    public async Task A_claim_takes_only_the_shards_pending_due_entries_earliest_first()
    {
        var outbox = await CreateOutboxAsync();
        var shard = NewShard();
        var (late, early, future, other) = (NewId("a"), NewId("b"), NewId("c"), NewId("d"));
        await outbox.EnqueueAsync(
        [
            Webhook(late, shard, due: T0.AddSeconds(2)),
            Webhook(early, shard, due: T0.AddSeconds(1)),
            Webhook(future, shard, due: T0.AddMinutes(1)),
            Webhook(other, shard + 1, due: T0),
        ]);

        Assert.Empty(await outbox.ClaimDueAsync(shard, T0, 10, Lease));
        var first = Assert.Single(await outbox.ClaimDueAsync(shard, T0.AddSeconds(2), 1, Lease));
        Assert.Equal((early, T0.AddSeconds(1)), (first.Id, first.DueAt)); // as it was due before the claim
        Assert.Equal([late], (await outbox.ClaimDueAsync(shard, T0.AddSeconds(2), 10, Lease)).Select(e => e.Id));
    }

    [SkippableFact]
    public async Task A_claimed_entry_is_nobody_elses_until_its_lease_ends_or_its_outcome_is_stored()
    {
        var outbox = await CreateOutboxAsync();
        var shard = NewShard();
        var (kept, dropped) = (NewId("kept"), NewId("dropped"));
        await outbox.EnqueueAsync([Webhook(kept, shard), Webhook(dropped, shard, due: T0.AddMilliseconds(1))]);
        var leaseEnd = T0.AddSeconds(30);

        Assert.Equal([kept, dropped], (await outbox.ClaimDueAsync(shard, T0.AddSeconds(1), 10, leaseEnd)).Select(e => e.Id));
        Assert.Empty(await outbox.ClaimDueAsync(shard, leaseEnd.AddMilliseconds(-1), 10, leaseEnd.AddMinutes(1)));

        // The worker of 'kept' stored its outcome (due again in 5 s); the worker of 'dropped' died: it is due at the lease's end.
        await outbox.SaveAttemptAsync(Webhook(kept, shard) with { Attempts = 1, DueAt = T0.AddSeconds(5), LastError = "retry" });
        Assert.Equal([kept], (await outbox.ClaimDueAsync(shard, T0.AddSeconds(5), 10, leaseEnd.AddMinutes(5))).Select(e => e.Id));
        Assert.Equal([dropped], (await outbox.ClaimDueAsync(shard, leaseEnd, 10, leaseEnd.AddMinutes(1))).Select(e => e.Id));
    }

    [SkippableFact]
    public async Task Workers_claiming_at_once_never_get_the_same_entry()
    {
        var outbox = await CreateOutboxAsync();
        var shard = NewShard();
        var ids = Enumerable.Range(0, 60).Select(i => NewId($"c{i}")).ToList();
        await outbox.EnqueueAsync([.. ids.Select(id => Webhook(id, shard))]);

        var claims = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => Task.Run(async () =>
        {
            var mine = new List<string>();
            while ((await outbox.ClaimDueAsync(shard, T0, 4, Lease)) is { Count: > 0 } batch)
            {
                mine.AddRange(batch.Select(e => e.Id));
            }

            return mine;
        })));

        var claimed = claims.SelectMany(c => c).ToList();
        Assert.Equal(ids.Order(StringComparer.Ordinal), claimed.Order(StringComparer.Ordinal)); // each exactly once
    }

    [SkippableFact]
    public async Task SaveAttempt_reschedules_or_finishes_and_keeps_what_was_coalesced_meanwhile()
    {
        var outbox = await CreateOutboxAsync();
        var shard = NewShard();
        var id = NewId("n");
        await outbox.EnqueueAsync([UserEntry(id, shard, 1)]);
        var read = Assert.Single(await outbox.ClaimDueAsync(shard, T0, 10, T0.AddHours(1)));
        await outbox.EnqueueAsync([UserEntry(id, shard, 2)]); // a message coalesced while the attempt runs

        await outbox.SaveAttemptAsync(read with { Attempts = 1, DueAt = T0.AddSeconds(10), Done = ["wechat"], LastError = "sms: HTTP 500" });
        Assert.Empty(await outbox.ClaimDueAsync(shard, T0.AddSeconds(9), 10, Lease));
        var retried = Assert.Single(await outbox.ClaimDueAsync(shard, T0.AddSeconds(10), 10, Lease));
        Assert.Equal(1, retried.Attempts);
        Assert.Equal(["wechat"], retried.Done);
        Assert.Equal("sms: HTTP 500", retried.LastError);
        Assert.Equal(2, retried.Count);
        Assert.Equal(2, retried.LastSeq);

        await outbox.SaveAttemptAsync(retried with { Attempts = 2, Status = OutboxStatus.Dead, Done = ["wechat", "!sms"], FinishedAt = T0.AddSeconds(11) });
        Assert.Empty(await outbox.ClaimDueAsync(shard, T0.AddDays(1), 10, T0.AddDays(2)));
        var dead = await outbox.FindAsync(id);
        Assert.Equal(OutboxStatus.Dead, dead!.Status);
        Assert.Equal(T0.AddSeconds(11), dead.FinishedAt);
        Assert.Equal(["wechat", "!sms"], dead.Done);
    }

    [SkippableFact]
    public async Task Purge_deletes_finished_entries_past_their_retention_only()
    {
        var outbox = await CreateOutboxAsync();
        var shard = NewShard();
        var (oldSent, newSent, oldDead, pending) = (NewId("s1"), NewId("s2"), NewId("d1"), NewId("p"));
        await outbox.EnqueueAsync([Webhook(oldSent, shard), Webhook(newSent, shard), Webhook(oldDead, shard), Webhook(pending, shard)]);
        await outbox.SaveAttemptAsync(Webhook(oldSent, shard) with { Attempts = 1, Status = OutboxStatus.Sent, FinishedAt = T0.AddHours(1) });
        await outbox.SaveAttemptAsync(Webhook(newSent, shard) with { Attempts = 1, Status = OutboxStatus.Sent, FinishedAt = T0.AddHours(3) });
        await outbox.SaveAttemptAsync(Webhook(oldDead, shard) with { Attempts = 6, Status = OutboxStatus.Dead, FinishedAt = T0.AddHours(1) });

        Assert.Equal(1, await outbox.PurgeAsync(shard, sentBefore: T0.AddHours(2), deadBefore: T0));

        Assert.Null(await outbox.FindAsync(oldSent));
        Assert.NotNull(await outbox.FindAsync(newSent));
        Assert.NotNull(await outbox.FindAsync(oldDead));
        Assert.NotNull(await outbox.FindAsync(pending));
        Assert.Equal(1, await outbox.PurgeAsync(shard, sentBefore: T0, deadBefore: T0.AddHours(2)));
        Assert.Null(await outbox.FindAsync(oldDead));
    }

    [SkippableFact]
    public async Task Find_returns_null_for_an_unknown_id()
    {
        var outbox = await CreateOutboxAsync();
        Assert.Null(await outbox.FindAsync(NewId("none")));
    }
}
