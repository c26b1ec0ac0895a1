using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace OrleansChat.Grains.Notifications;

/// <summary>
/// The silo's writer into the outbox, off the send path: grains hand entries over without waiting (a bounded in-memory
/// queue), and one loop writes whatever has gathered as one batch (one statement in PostgreSQL, one bulk write in
/// MongoDB), then pokes the shards that got entries so they deliver at once. So a message's ack never waits for the
/// outbox, and under load many notifications share a round trip. The price: entries still in this queue when the silo
/// dies are lost (a few milliseconds' worth; the messages themselves are durable and in every client's history), and a
/// database outage longer than the write retries drops entries (counted in <see cref="NotificationMetrics.DroppedName"/>).
/// </summary>
public sealed partial class NotificationEnqueuer : IAsyncDisposable
{
    /// <summary>Entries waiting beyond this are dropped (and counted) rather than growing the silo's memory while the database is down.</summary>
    public const int MaxQueued = 100_000;

    private const int MaxBatch = 500;

    private static readonly TimeSpan[] WriteRetries = [TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5)];

    private readonly Channel<OutboxEntry> _queue = Channel.CreateBounded<OutboxEntry>(
        new BoundedChannelOptions(MaxQueued) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });

    private readonly INotificationOutbox _outbox;
    private readonly IGrainFactory _grains;
    private readonly NotificationMetrics _metrics;
    private readonly ILogger<NotificationEnqueuer> _logger;
    private readonly Task _writing;

    public NotificationEnqueuer(INotificationOutbox outbox, IGrainFactory grains, NotificationMetrics metrics, ILogger<NotificationEnqueuer> logger)
    {
        (_outbox, _grains, _metrics, _logger) = (outbox, grains, metrics, logger);
        _writing = Task.Run(WriteLoopAsync);
    }

    /// <summary>Queues <paramref name="entry"/> for the next batch; never waits, never throws.</summary>
    public void Enqueue(OutboxEntry entry)
    {
        if (!_queue.Writer.TryWrite(entry))
        {
            _metrics.Dropped(1);
        }
    }

    /// <summary>Writes what is queued, then stops.</summary>
    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _writing;
    }

    private async Task WriteLoopAsync()
    {
        var batch = new List<OutboxEntry>(MaxBatch);
        while (await _queue.Reader.WaitToReadAsync())
        {
            while (batch.Count < MaxBatch && _queue.Reader.TryRead(out var entry))
            {
                batch.Add(entry);
            }

            await WriteAsync(batch);
            batch.Clear();
        }
    }

    private async Task WriteAsync(List<OutboxEntry> batch)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await _outbox.EnqueueAsync(batch);
                break;
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                if (attempt == WriteRetries.Length)
                {
                    LogDropped(e, batch.Count);
                    _metrics.Dropped(batch.Count);
                    return;
                }

                await Task.Delay(WriteRetries[attempt]);
            }
        }

        foreach (var kind in batch.GroupBy(e => e.Kind))
        {
            _metrics.Queued(kind.Key, kind.Count());
        }

        foreach (var shard in batch.Select(e => e.Shard).Distinct())
        {
            PokeShard(shard);
        }
    }

    private void PokeShard(int shard)
    {
        try
        {
            _grains.GetGrain<INotificationShardGrain>(shard).Poke(urgent: true).Ignore();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            LogPokeFailed(e, shard); // the periodic poke reaches it within the poll interval
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Notification outbox unreachable: {Count} entries dropped")]
    private partial void LogDropped(Exception exception, int count);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Poking notification shard {Shard} failed")]
    private partial void LogPokeFailed(Exception exception, int shard);
}
