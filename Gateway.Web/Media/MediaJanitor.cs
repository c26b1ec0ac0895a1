using Microsoft.Extensions.Options;
using OrleansChat.Gateway.Media.Storage;

namespace OrleansChat.Gateway.Media;

/// <summary>
/// Collects abandoned uploads: items that no stored message references once older than <c>Media:OrphanAge</c>
/// (an upload is sent within seconds, so a day leaves no race with a send in flight); and purges the uploads of recalled
/// messages: items no message references any more, released longer than <c>Media:RecalledRetention</c> ago. Every
/// gateway sweeps; deletes are idempotent, so two gateways sweeping the same store only repeat each other's work.
/// </summary>
public sealed partial class MediaJanitor(IMediaStore store, IOptions<MediaOptions> options, TimeProvider time, ILogger<MediaJanitor> logger) : BackgroundService
{
    private const int Batch = 500;

    /// <summary>One sweep; returns how many items it deleted (abandoned, then purged).</summary>
    public async Task<int> SweepAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var abandoned = await DeleteAllAsync((limit, token) => store.FindOrphansAsync(now - options.Value.OrphanAge, limit, token), cancellationToken);
        var purged = await DeleteAllAsync((limit, token) => store.FindReleasedAsync(now - options.Value.RecalledRetention, limit, token), cancellationToken);
        return abandoned + purged;
    }

    private async Task<int> DeleteAllAsync(Func<int, CancellationToken, Task<IReadOnlyList<string>>> find, CancellationToken cancellationToken)
    {
        var deleted = 0;
        IReadOnlyList<string> found;
        do
        {
            found = await find(Batch, cancellationToken);
            foreach (var mediaId in found)
            {
                await store.DeleteAsync(mediaId, cancellationToken);
                deleted++;
            }
        }
        while (found.Count == Batch);

        return deleted;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.OrphanSweepInterval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                var deleted = await SweepAsync(stoppingToken);
                if (deleted > 0)
                {
                    LogSwept(logger, deleted);
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogSweepFailed(logger, e);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Deleted {Count} abandoned or recalled uploads")]
    private static partial void LogSwept(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sweeping abandoned or recalled uploads failed; retrying at the next interval")]
    private static partial void LogSweepFailed(ILogger logger, Exception exception);
}
