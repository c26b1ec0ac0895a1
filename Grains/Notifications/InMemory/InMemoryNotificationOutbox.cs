namespace OrleansChat.Grains.Notifications.InMemory;

/// <summary>
/// The outbox of the embedded default: a dictionary under a lock, lost with the process like the in-memory message log.
/// Same contract as the durable backends (the conformance suite runs against it too).
/// </summary>
public sealed class InMemoryNotificationOutbox : INotificationOutbox
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, OutboxEntry> _entries = new(StringComparer.Ordinal);

    public Task EnqueueAsync(IReadOnlyList<OutboxEntry> entries, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            foreach (var entry in OutboxEntries.Merge(entries))
            {
                if (!_entries.TryGetValue(entry.Id, out var stored))
                {
                    _entries[entry.Id] = Stored(entry);
                }
                else if (stored.Kind == OutboxEntryKind.User && entry.LastSeq != stored.LastSeq)
                {
                    _entries[entry.Id] = OutboxEntries.Absorb(stored, entry);
                }
            }
        }

        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<OutboxEntry>> ClaimDueAsync(int shard, DateTimeOffset now, int limit, DateTimeOffset leaseUntil, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            IReadOnlyList<OutboxEntry> due = [.. _entries.Values
                .Where(e => e.Shard == shard && e.Status == OutboxStatus.Pending && e.DueAt <= now)
                .OrderBy(e => e.DueAt)
                .ThenBy(e => e.Id, StringComparer.Ordinal)
                .Take(limit)];
            foreach (var entry in due)
            {
                _entries[entry.Id] = entry with { DueAt = OutboxEntries.ToMs(leaseUntil) };
            }

            return Task.FromResult(due);
        }
    }

    public Task SaveAttemptAsync(OutboxEntry entry, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entry);
        lock (_lock)
        {
            if (_entries.TryGetValue(entry.Id, out var stored))
            {
                _entries[entry.Id] = stored with
                {
                    Status = entry.Status,
                    Attempts = entry.Attempts,
                    DueAt = OutboxEntries.ToMs(entry.DueAt),
                    Done = [.. entry.Done],
                    LastError = entry.LastError,
                    FinishedAt = entry.FinishedAt is { } at ? OutboxEntries.ToMs(at) : null,
                };
            }
        }

        return Task.CompletedTask;
    }

    public Task<OutboxEntry?> FindAsync(string id, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            return Task.FromResult(_entries.GetValueOrDefault(id));
        }
    }

    public Task<int> PurgeAsync(int shard, DateTimeOffset sentBefore, DateTimeOffset deadBefore, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            var gone = _entries.Values.Where(e => e.Shard == shard && e.FinishedAt is { } at
                && ((e.Status == OutboxStatus.Sent && at < sentBefore) || (e.Status == OutboxStatus.Dead && at < deadBefore))).Select(e => e.Id).ToList();
            foreach (var id in gone)
            {
                _entries.Remove(id);
            }

            return Task.FromResult(gone.Count);
        }
    }

    /// <summary>Every entry, for tests and diagnostics.</summary>
    public IReadOnlyList<OutboxEntry> Snapshot()
    {
        lock (_lock)
        {
            return [.. _entries.Values];
        }
    }

    /// <summary>As a durable backend would read it back: a new entry is pending, unattempted, its times in milliseconds.</summary>
    private static OutboxEntry Stored(OutboxEntry entry) => entry with
    {
        LastAt = OutboxEntries.ToMs(entry.LastAt),
        CreatedAt = OutboxEntries.ToMs(entry.CreatedAt),
        DueAt = OutboxEntries.ToMs(entry.DueAt),
        Attempts = 0,
        Status = OutboxStatus.Pending,
        Done = [],
        LastError = null,
        FinishedAt = null,
    };
}
