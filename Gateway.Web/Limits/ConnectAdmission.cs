using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;
using OrleansChat.Gateway.Sockets;

namespace OrleansChat.Gateway.Limits;

/// <summary>
/// Bounds the connects this gateway sets up at once (upgrade, the user grain's Connect, re-attaching the rooms,
/// the welcome): <c>Sockets:MaxConcurrentConnects</c> run, up to <c>Sockets:ConnectQueueLimit</c> more wait their
/// turn in arrival order, and one more is refused at once with 503 + Retry-After before the upgrade. In a reconnect
/// storm (a gateway died and its users all come here) the clients that must wait are told so and when to come back,
/// instead of piling up until their connect attempts time out and retry blindly.
/// </summary>
public sealed class ConnectAdmission : IDisposable
{
    private readonly ConcurrencyLimiter? _limiter;

    public ConnectAdmission(IOptions<SocketOptions> options)
    {
        var o = options.Value;
        RetryAfterSeconds = Math.Max(1, (int)Math.Ceiling(o.ConnectRetryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        _limiter = o.MaxConcurrentConnects == 0 ? null : new ConcurrencyLimiter(new ConcurrencyLimiterOptions
        {
            PermitLimit = o.MaxConcurrentConnects,
            QueueLimit = o.ConnectQueueLimit,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        });
    }

    /// <summary>Connects waiting for a turn right now.</summary>
    public long Waiting => _limiter?.GetStatistics()?.CurrentQueuedCount ?? 0;

    /// <summary>The Retry-After header of a refusal, in whole seconds.</summary>
    public string RetryAfterSeconds { get; }

    /// <summary>
    /// Waits for a turn (queued while the queue has room); returns the turn, to dispose once the connect is set up,
    /// or null when the queue is full: refuse with 503.
    /// </summary>
    public async ValueTask<IDisposable?> EnterAsync(CancellationToken aborted)
    {
        if (_limiter is null)
        {
            return NoLimit.Instance;
        }

        var lease = await _limiter.AcquireAsync(1, aborted);
        if (lease.IsAcquired)
        {
            return lease;
        }

        lease.Dispose();
        return null;
    }

    public void Dispose() => _limiter?.Dispose();

    private sealed class NoLimit : IDisposable
    {
        public static readonly NoLimit Instance = new();

        public void Dispose()
        {
        }
    }
}
