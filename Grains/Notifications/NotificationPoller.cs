using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace OrleansChat.Grains.Notifications;

/// <summary>
/// Every silo pokes every shard once per <c>Notifications:PollInterval</c>. That keeps each shard's grain active
/// somewhere, reactivates one whose silo died (on a live silo, where it resumes from the outbox), and makes retries
/// come due without a timer per entry. A shard runs at most one pass per interval however many silos poke it, so the
/// cost is one one-way call per shard and silo per interval, and one outbox read per shard per interval.
/// </summary>
public sealed partial class NotificationPoller(
    IGrainFactory grains,
    NotificationPublisher publisher,
    IOptions<NotificationOptions> options,
    TimeProvider time,
    ILogger<NotificationPoller> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!publisher.UserNotificationsOn && !options.Value.Webhooks.Enabled)
        {
            return; // nothing is ever queued: no channel, no webhook
        }

        using var ticks = new PeriodicTimer(options.Value.PollInterval, time);
        try
        {
            while (await ticks.WaitForNextTickAsync(stoppingToken))
            {
                PokeAll();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // stopping
        }
    }

    private void PokeAll()
    {
        for (var shard = 0; shard < options.Value.Shards; shard++)
        {
            try
            {
                grains.GetGrain<INotificationShardGrain>(shard).Poke(urgent: false).Ignore();
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                LogPokeFailed(e, shard); // the silo is starting or stopping: the next tick tries again
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Poking notification shard {Shard} failed")]
    private partial void LogPokeFailed(Exception exception, int shard);
}
