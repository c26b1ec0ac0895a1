using Microsoft.Extensions.Options;

namespace OrleansChat.Gateway.Limits;

/// <summary>
/// Hands each new connection its <see cref="ConnectionRateLimit"/>: fresh per-connection buckets plus the per-user
/// buckets of this gateway, kept for as long as the user has a connection here.
/// </summary>
public sealed class RateLimiter(IOptions<RateLimitOptions> options, TimeProvider time)
{
    private readonly RateLimitOptions _options = options.Value;
    private readonly Dictionary<string, UserBuckets> _users = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    /// <summary>Users whose buckets are held now (one entry per user with a live connection here).</summary>
    public int TrackedUsers
    {
        get
        {
            lock (_lock)
            {
                return _users.Count;
            }
        }
    }

    public ConnectionRateLimit Open(string userId)
    {
        if (!_options.Enabled)
        {
            return ConnectionRateLimit.Unlimited;
        }

        UserBuckets user;
        lock (_lock)
        {
            if (!_users.TryGetValue(userId, out user!))
            {
                user = new UserBuckets(_options.FramesPerUser.CreateBucket(time), _options.SendsPerUser.CreateBucket(time));
                _users.Add(userId, user);
            }

            user.Connections++;
        }

        return new ConnectionRateLimit(
            [_options.FramesPerConnection.CreateBucket(time), user.Frames],
            [_options.SendsPerConnection.CreateBucket(time), user.Sends],
            () => Release(userId, user));
    }

    private void Release(string userId, UserBuckets user)
    {
        lock (_lock)
        {
            if (--user.Connections == 0)
            {
                _users.Remove(userId);
            }
        }
    }

    private sealed class UserBuckets(TokenBucket? frames, TokenBucket? sends)
    {
        public TokenBucket? Frames { get; } = frames;

        public TokenBucket? Sends { get; } = sends;

        public int Connections { get; set; }
    }
}
