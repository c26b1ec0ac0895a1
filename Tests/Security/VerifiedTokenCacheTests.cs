using OrleansChat.Gateway.Auth;
using OrleansChat.Model;

namespace OrleansChat.Tests.Security;

/// <summary>The verified-token cache: exact tokens only, expiry checked on every hit, bounded.</summary>
public sealed class VerifiedTokenCacheTests
{
    private static readonly DateTime Now = new(2026, 12, 7, 8, 0, 0, DateTimeKind.Utc);
    private static readonly TokenIdentity Alice = new(new UserProfile("alice", "Alice", null), DateTimeOffset.UnixEpoch);

    [Fact]
    public void Only_the_exact_token_verified_before_is_found_and_only_until_it_expires()
    {
        var cache = new VerifiedTokenCache(10);
        cache.Add("header.payload.signature", Alice, Now.AddMinutes(5), Now);

        Assert.Same(Alice, cache.Find("header.payload.signature", Now));
        Assert.Null(cache.Find("header.payload.signaturf", Now));
        Assert.Null(cache.Find("header.payload.signature ", Now));
        Assert.Same(Alice, cache.Find("header.payload.signature", Now.AddMinutes(5).AddTicks(-1)));
        Assert.Null(cache.Find("header.payload.signature", Now.AddMinutes(5)));
    }

    [Fact]
    public void When_full_expired_tokens_go_first_and_then_all()
    {
        var cache = new VerifiedTokenCache(3);
        cache.Add("expiring", Alice, Now.AddMinutes(1), Now);
        cache.Add("a", Alice, Now.AddHours(1), Now);
        cache.Add("b", Alice, Now.AddHours(1), Now);

        cache.Add("c", Alice, Now.AddHours(1), Now.AddMinutes(2)); // full: the expired one makes room
        Assert.Equal(3, cache.Count);
        Assert.NotNull(cache.Find("a", Now.AddMinutes(2)));
        Assert.NotNull(cache.Find("c", Now.AddMinutes(2)));

        cache.Add("d", Alice, Now.AddHours(1), Now.AddMinutes(2)); // full of live tokens: cleared, then d
        Assert.Equal(1, cache.Count);
        Assert.Null(cache.Find("a", Now.AddMinutes(2)));
        Assert.NotNull(cache.Find("d", Now.AddMinutes(2)));
    }

    [Fact]
    public void Size_zero_remembers_nothing()
    {
        var cache = new VerifiedTokenCache(0);
        cache.Add("t", Alice, Now.AddHours(1), Now);

        Assert.Null(cache.Find("t", Now));
        Assert.Equal(0, cache.Count);
    }

    [Fact]
    public void A_token_longer_than_the_stack_buffer_is_hashed_too()
    {
        var cache = new VerifiedTokenCache(10);
        var longToken = new string('x', 10_000);
        cache.Add(longToken, Alice, Now.AddHours(1), Now);

        Assert.Same(Alice, cache.Find(longToken, Now));
        Assert.Null(cache.Find(longToken[..^1] + "y", Now));
    }
}
