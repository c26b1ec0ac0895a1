namespace OrleansChat.Gateway.Limits;

/// <summary>
/// Token-bucket rate limits on client frames (section "RateLimits"). Every frame but <c>ping</c> costs a frame
/// token; <c>room.send</c> and <c>dm.send</c> also cost a send token. Per-user buckets are shared by the user's
/// connections on one gateway (a user connected to two gateways gets each gateway's allowance).
/// </summary>
public sealed class RateLimitOptions
{
    public const string SectionName = "RateLimits";

    /// <summary>Off: no frame is ever refused with <c>rate_limited</c>.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Every frame but <c>ping</c>, per connection.</summary>
    public TokenBucketOptions FramesPerConnection { get; set; } = new() { PerSecond = 20, Burst = 40 };

    /// <summary>Every frame but <c>ping</c>, per user across the user's connections on this gateway.</summary>
    public TokenBucketOptions FramesPerUser { get; set; } = new() { PerSecond = 40, Burst = 80 };

    /// <summary><c>room.send</c> and <c>dm.send</c>, per connection (on top of the frame budget).</summary>
    public TokenBucketOptions SendsPerConnection { get; set; } = new() { PerSecond = 10, Burst = 20 };

    /// <summary><c>room.send</c> and <c>dm.send</c>, per user on this gateway.</summary>
    public TokenBucketOptions SendsPerUser { get; set; } = new() { PerSecond = 20, Burst = 40 };

    public bool IsValid =>
        FramesPerConnection.IsValid && FramesPerUser.IsValid && SendsPerConnection.IsValid && SendsPerUser.IsValid;
}

/// <summary>One bucket: refills at <see cref="PerSecond"/> tokens a second up to <see cref="Burst"/>. <c>PerSecond</c> 0: unlimited.</summary>
public sealed class TokenBucketOptions
{
    /// <summary>Tokens added a second; 0: unlimited.</summary>
    public double PerSecond { get; set; }

    /// <summary>Most tokens the bucket holds: how many frames may come at once after a quiet spell.</summary>
    public int Burst { get; set; }

    public bool IsUnlimited => PerSecond == 0;

    public bool IsValid => IsUnlimited || (PerSecond > 0 && Burst >= 1);

    public TokenBucket? CreateBucket(TimeProvider time) => IsUnlimited ? null : new TokenBucket(PerSecond, Burst, time);
}
