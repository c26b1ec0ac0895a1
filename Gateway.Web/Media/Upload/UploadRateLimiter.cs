using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace OrleansChat.Gateway.Media.Upload;

/// <summary>
/// Each user's upload budget on this gateway (<c>Media:UploadsPerMinute</c>, <c>Media:UploadBurst</c>): a token bucket per
/// user, taken when an upload starts, before a byte of it is read, so a refused upload costs no disk, decoding or
/// transcoding. The platform's partitioned limiter rather than the frame limiter's own buckets (Gateway.Web/Limits): those
/// live only while the user holds a connection, while uploads come over plain HTTP; this one replenishes every bucket
/// from one timer and drops a user's bucket once it is full and idle, so memory follows the users uploading now.
/// </summary>
public sealed class UploadRateLimiter : IDisposable
{
    private readonly PartitionedRateLimiter<string>? _limiter;
    private readonly TimeSpan _period;

    public UploadRateLimiter(IOptions<MediaOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var settings = options.Value;
        if (settings.UploadsPerMinute == 0)
        {
            return;
        }

        _period = TimeSpan.FromMinutes(1) / settings.UploadsPerMinute;
        _limiter = PartitionedRateLimiter.Create<string, string>(
            user => RateLimitPartition.GetTokenBucketLimiter(user, _ => new TokenBucketRateLimiterOptions
            {
                TokenLimit = settings.UploadBurst,
                TokensPerPeriod = 1,
                ReplenishmentPeriod = _period,
                QueueLimit = 0,
                AutoReplenishment = false, // the partitioned limiter's one timer replenishes every bucket
            }),
            StringComparer.Ordinal);
    }

    /// <summary>Takes one upload from <paramref name="userId"/>'s budget: null when granted, else how long until one is there.</summary>
    public TimeSpan? TryAcquire(string userId)
    {
        if (_limiter is null)
        {
            return null;
        }

        using var lease = _limiter.AttemptAcquire(userId);
        if (lease.IsAcquired)
        {
            return null;
        }

        return lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : _period;
    }

    public void Dispose() => _limiter?.Dispose();
}
