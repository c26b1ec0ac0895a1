using Microsoft.Extensions.Time.Testing;
using OrleansChat.Gateway.Limits;

namespace OrleansChat.Tests.Limits;

public sealed class TokenBucketTests
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    [Fact]
    public void A_full_bucket_admits_a_burst_then_refuses_with_the_time_until_the_next_token()
    {
        var bucket = new TokenBucket(perSecond: 2, burst: 3, _clock);
        Assert.All(Enumerable.Range(0, 3), i => Assert.True(bucket.TryTake(out _), $"token {i}"));

        Assert.False(bucket.TryTake(out var retryAfter));
        Assert.Equal(TimeSpan.FromMilliseconds(500), retryAfter);
    }

    [Fact]
    public void Tokens_come_back_at_the_rate_and_never_beyond_the_burst()
    {
        var bucket = new TokenBucket(perSecond: 2, burst: 3, _clock);
        Drain(bucket);

        _clock.Advance(TimeSpan.FromMilliseconds(499));
        Assert.False(bucket.TryTake(out var retryAfter));
        Assert.Equal(1, retryAfter.TotalMilliseconds, precision: 3);

        _clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.True(bucket.TryTake(out _));
        Assert.False(bucket.TryTake(out _));

        _clock.Advance(TimeSpan.FromHours(1));
        Assert.Equal(3, Drain(bucket));
    }

    [Fact]
    public void Time_until_available_takes_nothing()
    {
        var bucket = new TokenBucket(perSecond: 1, burst: 1, _clock);
        Assert.Equal(TimeSpan.Zero, bucket.TimeUntilAvailable());
        Assert.True(bucket.TryTake(out _));
        Assert.Equal(TimeSpan.FromSeconds(1), bucket.TimeUntilAvailable());
        _clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(TimeSpan.Zero, bucket.TimeUntilAvailable());
        Assert.True(bucket.TryTake(out _));
    }

    [Fact]
    public void Concurrent_takers_never_get_more_than_the_burst()
    {
        var bucket = new TokenBucket(perSecond: 1, burst: 100, _clock);
        var taken = 0;
        Parallel.For(0, 1000, i =>
        {
            if (bucket.TryTake(out _))
            {
                Interlocked.Increment(ref taken);
            }
        });
        Assert.Equal(100, taken);
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(-1, 1)]
    [InlineData(1, 0)]
    public void A_bucket_needs_a_positive_rate_and_burst(double perSecond, int burst) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new TokenBucket(perSecond, burst, _clock));

    private static int Drain(TokenBucket bucket)
    {
        var taken = 0;
        while (bucket.TryTake(out _))
        {
            taken++;
        }

        return taken;
    }
}
