using Microsoft.Extensions.Options;
using OrleansChat.Gateway.Media.Storage;

namespace OrleansChat.Gateway.Media;

/// <summary>
/// Collects abandoned uploads: items that no stored message references once older than <c>Media:OrphanAge</c>
/// (an upload is sent within seconds, so a day leaves no race with a send in flight). Every gateway sweeps; deletes
/// are idempotent, so two gateways sweeping the same store only repeat each other's work.
/// </summary>
public sealed partial class MediaJanitor(IMediaStore store, IOptions<MediaOptions> options, TimeProvider time, ILogger<MediaJanitor> logger) : BackgroundService
{
    private const int Batch = 500;

    /// <summary>One sweep; returns how many items it deleted.</summary>
    public async Task<int> SweepAsync(CancellationToken cancellationToken)
    {
        var deleted = 0;
        var cutoff = time.GetUtcNow() - options.Value.OrphanAge;
        IReadOnlyList<string> orphans;
        do
        {
            orphans = await store.FindOrphansAsync(cutoff, Batch, cancellationToken);
            foreach (var mediaId in orphans)
            {
                await store.DeleteAsync(mediaId, cancellationToken);
                deleted++;
            }
        }
        while (orphans.Count == Batch);

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

    [LoggerMessage(Level = LogLevel.Information, Message = "Deleted {Count} abandoned uploads")]
    private static partial void LogSwept(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sweeping abandoned uploads failed; retrying at the next interval")]
    private static partial void LogSweepFailed(ILogger logger, Exception exception);
}
