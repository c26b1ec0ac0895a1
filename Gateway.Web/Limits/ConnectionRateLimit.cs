using OrleansChat.Protocol;

namespace OrleansChat.Gateway.Limits;

/// <summary>
/// The rate limits one connection's frames pass: its own buckets and its user's (shared with the user's other
/// connections on this gateway). Disposing it releases the user's buckets when it was their last connection.
/// </summary>
public sealed class ConnectionRateLimit : IDisposable
{
    private readonly TokenBucket?[] _frameBuckets;
    private readonly TokenBucket?[] _frameAndSendBuckets;
    private readonly Action _release;
    private int _disposed;

    public ConnectionRateLimit(TokenBucket?[] frameBuckets, TokenBucket?[] sendBuckets, Action release)
    {
        (_frameBuckets, _frameAndSendBuckets, _release) = (frameBuckets, [.. frameBuckets, .. sendBuckets], release);
    }

    public static ConnectionRateLimit Unlimited => new([], [], () => { });

    /// <summary>
    /// Null when the frame may be handled, else how long the client should wait until every bucket this kind of
    /// frame needs has a token again. <c>ping</c> is free so a busy client's heartbeat is never refused; an
    /// unreadable frame (null) costs a frame token like any other. A refused frame keeps the tokens it took from
    /// earlier buckets: it was received all the same.
    /// </summary>
    public TimeSpan? Check(ClientFrame? frame) => frame switch
    {
        PingCommand => null,
        RoomSendCommand or DmSendCommand => Take(_frameAndSendBuckets),
        _ => Take(_frameBuckets),
    };

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _release();
        }
    }

    private static TimeSpan? Take(TokenBucket?[] buckets)
    {
        foreach (var bucket in buckets)
        {
            if (bucket is not null && !bucket.TryTake(out _))
            {
                return buckets.Max(b => b?.TimeUntilAvailable() ?? TimeSpan.Zero);
            }
        }

        return null;
    }
}
