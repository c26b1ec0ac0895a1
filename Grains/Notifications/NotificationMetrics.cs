using System.Diagnostics.Metrics;

namespace OrleansChat.Grains.Notifications;

/// <summary>
/// The outbox's instruments, on the chat meter (<see cref="ChatMetrics.MeterName"/>, from the host's
/// <see cref="IMeterFactory"/> like <see cref="ChatMetrics"/>): entries queued, deliveries sent, failed (to be retried)
/// and dead, by target, and the latency from the first enqueue to the delivery.
/// </summary>
public sealed class NotificationMetrics
{
    public const string QueuedName = "orleanschat.notifications.queued";
    public const string SentName = "orleanschat.notifications.sent";
    public const string FailedName = "orleanschat.notifications.failed";
    public const string DeadName = "orleanschat.notifications.dead";
    public const string DroppedName = "orleanschat.notifications.dropped";
    public const string LatencyName = "orleanschat.notifications.latency";

    /// <summary>The entry kind (<c>user</c>, <c>webhook</c>) on queued; the target (a channel name, <c>webhook</c>) on the others.</summary>
    public const string TargetTag = "target";

    private readonly Counter<long> _queued;
    private readonly Counter<long> _sent;
    private readonly Counter<long> _failed;
    private readonly Counter<long> _dead;
    private readonly Counter<long> _dropped;
    private readonly Histogram<double> _latency;

    public NotificationMetrics(IMeterFactory meters)
    {
        ArgumentNullException.ThrowIfNull(meters);
        var meter = meters.Create(ChatMetrics.MeterName);
        _queued = meter.CreateCounter<long>(QueuedName, unit: "{entry}");
        _sent = meter.CreateCounter<long>(SentName, unit: "{delivery}");
        _failed = meter.CreateCounter<long>(FailedName, unit: "{delivery}");
        _dead = meter.CreateCounter<long>(DeadName, unit: "{delivery}");
        _dropped = meter.CreateCounter<long>(DroppedName, unit: "{entry}");
        _latency = meter.CreateHistogram<double>(LatencyName, unit: "ms");
    }

    public void Queued(OutboxEntryKind kind, int count) => _queued.Add(count, Tag(kind == OutboxEntryKind.User ? "user" : "webhook"));

    /// <summary>Entries this silo could not write to the outbox (the database stayed unreachable, or the queue was full).</summary>
    public void Dropped(int count) => _dropped.Add(count);

    public void Sent(string target, TimeSpan latency)
    {
        _sent.Add(1, Tag(target));
        _latency.Record(latency.TotalMilliseconds, Tag(target));
    }

    public void Failed(string target) => _failed.Add(1, Tag(target));

    public void Dead(string target) => _dead.Add(1, Tag(target));

    private static KeyValuePair<string, object?> Tag(string target) => new(TargetTag, target);
}
