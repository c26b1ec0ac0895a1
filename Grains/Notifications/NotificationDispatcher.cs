using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansChat.Grains.Notifications.Webhooks;

namespace OrleansChat.Grains.Notifications;

/// <summary>
/// One pass of a shard's worker: claims the shard's due entries (for <c>Notifications:ClaimLease</c>) and delivers each to every target it has not finished
/// (user entries: every registered <see cref="IUserNotificationChannel"/>; webhook entries: every configured URL), then
/// stores the outcome. A target that asks to retry (or throws, or times out) puts the entry back on the schedule
/// (<c>Notifications:RetrySchedule</c>: 10 s, 1 min, 5 min, 30 min, 2 h), only for the targets left; past the last wait,
/// or when a target refuses for good, the entry becomes a dead letter. Not thread-safe per shard: the shard grain runs
/// one pass at a time.
/// </summary>
public sealed partial class NotificationDispatcher(
    INotificationOutbox outbox,
    IEnumerable<IUserNotificationChannel> channels,
    WebhookSender webhooks,
    IOptions<NotificationOptions> options,
    TimeProvider time,
    NotificationMetrics metrics,
    ILogger<NotificationDispatcher> logger)
{
    private readonly IUserNotificationChannel[] _channels = [.. channels];

    /// <summary>Delivers the due entries of <paramref name="shard"/>; returns how many finished (sent or dead).</summary>
    public async Task<int> RunPassAsync(int shard, CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        var due = await outbox.ClaimDueAsync(shard, now, options.Value.BatchSize, now + options.Value.ClaimLease, cancellationToken);
        var finished = await Task.WhenAll(due.Select(entry => AttemptAsync(entry, cancellationToken)));
        return finished.Count(f => f);
    }

    /// <summary>Deletes the shard's finished entries past their retention.</summary>
    public Task<int> PurgeAsync(int shard, CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        return outbox.PurgeAsync(shard, now - options.Value.SentRetention, now - options.Value.DeadRetention, cancellationToken);
    }

    private async Task<bool> AttemptAsync(OutboxEntry entry, CancellationToken cancellationToken)
    {
        var done = new List<string>(entry.Done);
        string? error = null;
        var retry = new List<string>();
        foreach (var target in TargetsOf(entry))
        {
            if (done.Contains(target.Name) || done.Contains(OutboxEntries.RejectedMark + target.Name))
            {
                continue;
            }

            var result = await DeliverAsync(target, entry, cancellationToken);
            switch (result.Outcome)
            {
                case ChannelOutcome.Delivered:
                    done.Add(target.Name);
                    metrics.Sent(target.MetricName, time.GetUtcNow() - entry.CreatedAt);
                    break;
                case ChannelOutcome.NotApplicable:
                    done.Add(target.Name);
                    break;
                case ChannelOutcome.Rejected:
                    done.Add(OutboxEntries.RejectedMark + target.Name);
                    metrics.Dead(target.MetricName);
                    error = $"{target.Name}: rejected{Because(result)}";
                    break;
                default:
                    retry.Add(target.MetricName);
                    metrics.Failed(target.MetricName);
                    error = $"{target.Name}: {result.Detail ?? "retry later"}";
                    break;
            }
        }

        var outcome = Decide(entry, done, retry, error);
        await outbox.SaveAttemptAsync(outcome, cancellationToken);
        return outcome.Status != OutboxStatus.Pending;
    }

    /// <summary>Back on the schedule while targets are left and waits remain; otherwise finished: dead if any target never took it.</summary>
    private OutboxEntry Decide(OutboxEntry entry, List<string> done, List<string> retry, string? error)
    {
        var now = time.GetUtcNow();
        var attempts = entry.Attempts + 1;
        var schedule = options.Value.EffectiveRetrySchedule;
        if (retry.Count > 0 && attempts <= schedule.Count)
        {
            return entry with { Attempts = attempts, DueAt = now + schedule[attempts - 1], Done = done, LastError = error };
        }

        if (retry.Count > 0)
        {
            retry.ForEach(metrics.Dead);
            LogDeadLetter(entry.Id, attempts, error);
        }

        var dead = retry.Count > 0 || done.Any(d => d.StartsWith(OutboxEntries.RejectedMark, StringComparison.Ordinal));
        return entry with { Attempts = attempts, Status = dead ? OutboxStatus.Dead : OutboxStatus.Sent, Done = done, LastError = error, FinishedAt = now };
    }

    private static async Task<TargetResult> DeliverAsync(Target target, OutboxEntry entry, CancellationToken cancellationToken)
    {
        try
        {
            return await target.Deliver(entry, cancellationToken);
        }
        catch (Exception e) when (e is not OutOfMemoryException && !cancellationToken.IsCancellationRequested)
        {
            return new(ChannelOutcome.RetryLater, e.GetType().Name + ": " + e.Message);
        }
    }

    private IEnumerable<Target> TargetsOf(OutboxEntry entry) => entry.Kind == OutboxEntryKind.User
        ? _channels.Select(channel => new Target(channel.Name, channel.Name,
            async (e, ct) => new TargetResult(await channel.DeliverAsync(OutboxEntries.ToUserNotification(e), ct))))
        : (options.Value.Webhooks.Urls ?? []).Select(url => new Target(url, "webhook", (e, ct) => webhooks.PostAsync(url, e, ct)));

    private static string Because(TargetResult result) => result.Detail is null ? "" : $" ({result.Detail})";

    /// <summary>One place an entry goes: <see cref="Name"/> is what <see cref="OutboxEntry.Done"/> records, <see cref="MetricName"/> what metrics show.</summary>
    private sealed record Target(string Name, string MetricName, Func<OutboxEntry, CancellationToken, Task<TargetResult>> Deliver);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Notification {Id} dead-lettered after {Attempts} attempts: {Error}")]
    private partial void LogDeadLetter(string id, int attempts, string? error);
}
