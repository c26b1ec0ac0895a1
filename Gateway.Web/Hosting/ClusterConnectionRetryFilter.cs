namespace OrleansChat.Gateway.Hosting;

/// <summary>
/// Client mode: when no silo answers yet (a cold start before the silos, a silo outage), keep trying with a growing
/// pause instead of failing the start and crash-looping into Kubernetes' minutes-long back-off. The gateway serves
/// <c>/healthz</c> meanwhile and stays not ready (<c>/readyz</c>) until it is connected. Only the host stopping
/// (SIGTERM) ends the retries.
/// </summary>
public sealed partial class ClusterConnectionRetryFilter(ILogger<ClusterConnectionRetryFilter> logger) : IClientConnectionRetryFilter
{
    /// <summary>The first pause; each next one doubles, up to <see cref="MaxDelay"/>.</summary>
    public static readonly TimeSpan FirstDelay = TimeSpan.FromMilliseconds(500);

    /// <summary>Long enough not to hammer Redis or the silos, short enough that a silo coming back is found within seconds.</summary>
    public static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(10);

    private int _attempt;

    public async Task<bool> ShouldRetryConnectionAttempt(Exception exception, CancellationToken cancellationToken)
    {
        var attempt = Interlocked.Increment(ref _attempt);
        var delay = DelayBefore(attempt);
        LogRetrying(attempt, delay.TotalSeconds, exception.Message);
        try
        {
            await Task.Delay(delay, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }

        return !cancellationToken.IsCancellationRequested;
    }

    /// <summary>The pause before retry number <paramref name="attempt"/> (1-based): 0.5 s, 1 s, 2 s, … at most <see cref="MaxDelay"/>.</summary>
    public static TimeSpan DelayBefore(int attempt) =>
        TimeSpan.FromTicks(Math.Min(MaxDelay.Ticks, FirstDelay.Ticks << Math.Min(attempt - 1, 20)));

    [LoggerMessage(Level = LogLevel.Warning, Message = "No silo answers yet (attempt {Attempt}); retrying in {DelaySeconds} s: {Reason}")]
    private partial void LogRetrying(int attempt, double delaySeconds, string reason);
}
