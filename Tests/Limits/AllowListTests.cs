using System.Net;
using Microsoft.Extensions.Options;
using OrleansChat.Gateway.Limits;
using OrleansChat.Gateway.Protocol;
using OrleansChat.Gateway.Sockets;

namespace OrleansChat.Tests.Limits;

public sealed class AllowListTests
{
    [Theory]
    [InlineData("https://cdn.example.com/a.png", null)]
    [InlineData("https://CDN.example.com/a.png", null)]
    [InlineData("https://img.media.example.com/a.png", null)]
    [InlineData("https://a.b.media.example.com/a.png", null)]
    [InlineData("https://media.example.com/a.png", "allowed media host")]
    [InlineData("https://evil.example/a.png", "allowed media host")]
    [InlineData("https://cdn.example.com.evil.example/a.png", "allowed media host")]
    [InlineData("https://evilmedia.example.com/a.png", "allowed media host")]
    [InlineData("http://cdn.example.com/a.png", "absolute https")]
    [InlineData("javascript:alert(1)", "absolute https")]
    public void Media_urls_must_be_https_on_a_listed_host(string url, string? problem)
    {
        var policy = new MediaUrlPolicy(Options.Create(new ProtocolOptions { MediaHosts = ["cdn.example.com", "*.media.example.com"] }));
        var found = policy.Problem(url, "image url");
        if (problem is null)
        {
            Assert.Null(found);
        }
        else
        {
            Assert.Contains(problem, found, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void No_media_hosts_means_any_https_host()
    {
        var policy = new MediaUrlPolicy(Options.Create(new ProtocolOptions()));
        Assert.Null(policy.Problem("https://anywhere.example/x", "url"));
        Assert.NotNull(policy.Problem("ftp://anywhere.example/x", "url"));
    }

    [Theory]
    [InlineData(new string[0], "https://evil.example", true)]
    [InlineData(new[] { "https://chat.example.com" }, null, true)]
    [InlineData(new[] { "https://chat.example.com" }, "", true)]
    [InlineData(new[] { "https://chat.example.com" }, "https://chat.example.com", true)]
    [InlineData(new[] { "https://Chat.Example.com/" }, "https://chat.example.com", true)]
    [InlineData(new[] { "https://chat.example.com" }, "http://chat.example.com", false)]
    [InlineData(new[] { "https://chat.example.com" }, "https://chat.example.com:8443", false)]
    [InlineData(new[] { "https://chat.example.com" }, "null", false)]
    public void Origins_must_be_listed_when_a_list_is_given(string[] allowed, string? origin, bool allows) =>
        Assert.Equal(allows, OriginAllowList.Allows(allowed, origin));

    [Fact]
    public void Connections_are_counted_per_user_and_per_address_and_released_once()
    {
        var limiter = new ConnectionLimiter(Options.Create(new SocketOptions { MaxConnectionsPerUser = 2, MaxConnectionsPerAddress = 3 }));
        var home = IPAddress.Parse("10.0.0.1");
        var a1 = limiter.TryAcquire("alice", home, out _);
        var a2 = limiter.TryAcquire("alice", IPAddress.Parse("::ffff:10.0.0.1"), out _);
        Assert.NotNull(a1);
        Assert.NotNull(a2);
        Assert.Null(limiter.TryAcquire("alice", IPAddress.Parse("10.0.0.2"), out var perUser));
        Assert.Contains("per user", perUser, StringComparison.Ordinal);

        var b1 = limiter.TryAcquire("bob", home, out _);
        Assert.NotNull(b1);
        Assert.Null(limiter.TryAcquire("carol", home, out var perAddress));
        Assert.Contains("per address", perAddress, StringComparison.Ordinal);
        Assert.NotNull(limiter.TryAcquire("carol", IPAddress.Parse("10.0.0.9"), out _));

        a1!.Dispose();
        a1.Dispose();
        Assert.NotNull(limiter.TryAcquire("carol", home, out _));
        Assert.Null(limiter.TryAcquire("dave", home, out _));
    }

    [Fact]
    public void Zero_means_no_connection_limit()
    {
        var limiter = new ConnectionLimiter(Options.Create(new SocketOptions { MaxConnectionsPerUser = 0, MaxConnectionsPerAddress = 0 }));
        Assert.All(Enumerable.Range(0, 500), i => Assert.NotNull(limiter.TryAcquire($"alice{i % 2}", IPAddress.Loopback, out _)));
    }
}
