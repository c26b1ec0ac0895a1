using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using OrleansChat.Gateway.Limits;
using OrleansChat.Model;
using OrleansChat.Protocol;

namespace OrleansChat.Tests.Limits;

public sealed class RateLimiterTests
{
    private static readonly ClientFrame Send = new RoomSendCommand("r", new TextBody("hi"));
    private static readonly ClientFrame Join = new RoomJoinCommand("r");

    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    [Fact]
    public void Sends_cost_a_frame_and_a_send_token_and_other_frames_only_a_frame_token()
    {
        var limiter = Limiter(frames: (1, 3), sends: (1, 1));
        using var connection = limiter.Open("alice");

        Assert.Null(connection.Check(Send));
        Assert.NotNull(connection.Check(Send)); // no send token left (the frame token is spent all the same)
        Assert.Null(connection.Check(Join)); // the third and last frame token
        Assert.NotNull(connection.Check(Join));
    }

    [Fact]
    public void A_refusal_says_when_every_needed_bucket_has_a_token_again()
    {
        var limiter = Limiter(frames: (1, 1), sends: (0.5, 1));
        using var connection = limiter.Open("alice");
        Assert.Null(connection.Check(Send));

        Assert.Equal(TimeSpan.FromSeconds(2), connection.Check(Send));
        _clock.Advance(TimeSpan.FromSeconds(2));
        Assert.Null(connection.Check(Send));
    }

    [Fact]
    public void Pings_are_never_refused()
    {
        var limiter = Limiter(frames: (1, 1), sends: (1, 1));
        using var connection = limiter.Open("alice");
        Assert.Null(connection.Check(Join));
        Assert.NotNull(connection.Check(Join));
        Assert.All(Enumerable.Range(0, 100), _ => Assert.Null(connection.Check(new PingCommand())));
    }

    [Fact]
    public void An_unreadable_frame_costs_a_frame_token()
    {
        var limiter = Limiter(frames: (1, 1), sends: (1, 1));
        using var connection = limiter.Open("alice");
        Assert.Null(connection.Check(null));
        Assert.NotNull(connection.Check(null));
    }

    [Fact]
    public void The_user_buckets_are_shared_by_the_users_connections_and_dropped_with_the_last_one()
    {
        var limiter = Limiter(frames: (1, 10), sends: (1, 10), userFrames: (1, 3));
        var first = limiter.Open("alice");
        var second = limiter.Open("alice");
        using var other = limiter.Open("bob");
        Assert.Null(first.Check(Join));
        Assert.Null(second.Check(Join));
        Assert.Null(first.Check(Join));
        Assert.NotNull(second.Check(Join));
        Assert.Null(other.Check(Join));
        Assert.Equal(2, limiter.TrackedUsers);

        first.Dispose();
        second.Dispose();
        second.Dispose();
        Assert.Equal(1, limiter.TrackedUsers);
        using var again = limiter.Open("alice");
        Assert.Null(again.Check(Join));
    }

    [Fact]
    public void Disabled_or_zero_rate_means_unlimited()
    {
        var disabled = new RateLimiter(Options.Create(new RateLimitOptions { Enabled = false }), _clock);
        using var a = disabled.Open("alice");
        Assert.All(Enumerable.Range(0, 1000), _ => Assert.Null(a.Check(Send)));
        Assert.Equal(0, disabled.TrackedUsers);

        var zero = Limiter(frames: (0, 0), sends: (0, 0), userFrames: (0, 0), userSends: (0, 0));
        using var b = zero.Open("bob");
        Assert.All(Enumerable.Range(0, 1000), _ => Assert.Null(b.Check(Send)));
    }

    private RateLimiter Limiter((double Rate, int Burst) frames, (double Rate, int Burst) sends, (double Rate, int Burst)? userFrames = null, (double Rate, int Burst)? userSends = null) =>
        new(Options.Create(new RateLimitOptions
        {
            FramesPerConnection = Bucket(frames),
            SendsPerConnection = Bucket(sends),
            FramesPerUser = Bucket(userFrames ?? (0, 0)),
            SendsPerUser = Bucket(userSends ?? (0, 0)),
        }), _clock);

    private static TokenBucketOptions Bucket((double Rate, int Burst) b) => new() { PerSecond = b.Rate, Burst = b.Burst };
}
