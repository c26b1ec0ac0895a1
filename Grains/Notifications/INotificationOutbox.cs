namespace OrleansChat.Grains.Notifications;

/// <summary>
/// The durable outbox of offline notifications and webhook events: what the conversations queue and the shard workers
/// (<see cref="NotificationShardGrain"/>) deliver. One implementation per backend in a folder beside this file
/// (InMemory/, Postgres/, Mongo/), chosen by <c>MessageLog:Provider</c>; every one passes the same conformance suite
/// (Tests/Notifications).
/// </summary>
public interface INotificationOutbox
{
    /// <summary>
    /// Adds each entry unless one with its <see cref="OutboxEntry.Id"/> exists: a retried enqueue is one entry. An
    /// existing <see cref="OutboxEntryKind.User"/> entry instead absorbs another message (<see cref="OutboxEntries.Absorb"/>:
    /// the count adds up, the newer by seq gives payload, last seq and last time); the entry's own last message again
    /// (a retried write) changes nothing. Entries with the same id in one call are merged first (<see cref="OutboxEntries.Merge"/>).
    /// </summary>
    Task EnqueueAsync(IReadOnlyList<OutboxEntry> entries, CancellationToken cancellationToken = default);

    /// <summary>
    /// Claims up to <paramref name="limit"/> pending entries of <paramref name="shard"/> due at or before
    /// <paramref name="now"/>, earliest first: in the same atomic step each is made due again only at
    /// <paramref name="leaseUntil"/>, so a second worker of the shard (a silo declared dead that still runs, or a
    /// duplicate activation while membership changes) does not get them meanwhile. The entries come back as they were
    /// due before the claim. <see cref="SaveAttemptAsync"/> ends the lease; an entry whose worker died is due again
    /// when the lease ends (at least once, under the same id).
    /// </summary>
    Task<IReadOnlyList<OutboxEntry>> ClaimDueAsync(int shard, DateTimeOffset now, int limit, DateTimeOffset leaseUntil, CancellationToken cancellationToken = default);

    /// <summary>
    /// Stores the outcome of a delivery attempt: <see cref="OutboxEntry.Status"/>, <see cref="OutboxEntry.Attempts"/>,
    /// <see cref="OutboxEntry.DueAt"/>, <see cref="OutboxEntry.Done"/>, <see cref="OutboxEntry.LastError"/> and
    /// <see cref="OutboxEntry.FinishedAt"/>; the count, payload and last seq stay as stored (a message coalesced in
    /// while the attempt ran is kept).
    /// </summary>
    Task SaveAttemptAsync(OutboxEntry entry, CancellationToken cancellationToken = default);

    Task<OutboxEntry?> FindAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>
    /// Deletes finished entries of <paramref name="shard"/>: sent ones finished before <paramref name="sentBefore"/>
    /// and dead letters finished before <paramref name="deadBefore"/>. Returns how many went.
    /// </summary>
    Task<int> PurgeAsync(int shard, DateTimeOffset sentBefore, DateTimeOffset deadBefore, CancellationToken cancellationToken = default);
}

/// <summary>What an entry is delivered as: a <see cref="UserNotification"/> to every user channel, or a webhook event to every endpoint.</summary>
public enum OutboxEntryKind
{
    User,
    Webhook,
}

public enum OutboxStatus
{
    /// <summary>Waiting for its <see cref="OutboxEntry.DueAt"/>: new, or failed and scheduled again.</summary>
    Pending,

    /// <summary>Every target took it (or did not apply).</summary>
    Sent,

    /// <summary>The dead-letter record: retries exhausted, or a target refused it for good.</summary>
    Dead,
}

/// <summary>
/// One outbox entry. <see cref="Id"/> is the stable id a receiver dedupes on (the <c>webhook-id</c>, the
/// <see cref="UserNotification.Id"/>); <see cref="Shard"/> says which worker owns it. <see cref="Payload"/> is JSON:
/// a <see cref="UserNotificationPayload"/> or the exact webhook body that is signed. <see cref="Done"/> names the
/// targets (channel names, webhook URLs) already finished, so a retry only goes to the others; a name starting with
/// <see cref="OutboxEntries.RejectedMark"/> was refused for good.
/// </summary>
public sealed record OutboxEntry(
    string Id,
    OutboxEntryKind Kind,
    int Shard,
    string Payload,
    int Count,
    long LastSeq,
    DateTimeOffset LastAt,
    DateTimeOffset CreatedAt,
    DateTimeOffset DueAt,
    int Attempts = 0,
    OutboxStatus Status = OutboxStatus.Pending,
    IReadOnlyList<string>? Done = null,
    string? LastError = null,
    DateTimeOffset? FinishedAt = null)
{
    public IReadOnlyList<string> Done { get; init; } = Done ?? [];
}
