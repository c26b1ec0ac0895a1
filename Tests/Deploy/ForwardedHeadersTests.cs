using System.Net;
using System.Net.WebSockets;
using OrleansChat.Tests.Infrastructure;

namespace OrleansChat.Tests.Deploy;

/// <summary>
/// Behind the ingress every socket comes from an ingress pod. Over real Kestrel, with one socket allowed per address:
/// <c>X-Forwarded-For</c> from a trusted proxy makes the per-address cap count each user's own address; from any other
/// peer (and by default) the header is ignored, since anyone can send it.
/// </summary>
public sealed class ForwardedHeadersTests
{
    [Theory]
    [InlineData("127.0.0.1", null, true)] // the test client is the trusted proxy
    [InlineData(null, "127.0.0.0/8", true)] // ... as a member of a trusted network
    [InlineData("10.9.8.7", null, false)] // some other proxy is trusted: the test client's header is ignored
    [InlineData(null, null, false)] // nothing trusted (the default)
    public async Task The_per_address_cap_counts_the_forwarded_address_only_from_a_trusted_proxy(string? proxy, string? network, bool honoured)
    {
        var settings = new Dictionary<string, string?> { ["Sockets:MaxConnectionsPerAddress"] = "1" };
        if (proxy is not null)
        {
            settings["ForwardedHeaders:KnownProxies:0"] = proxy;
        }

        if (network is not null)
        {
            settings["ForwardedHeaders:KnownNetworks:0"] = network;
        }

        await using var gateway = await GatewayServer.StartAsync(settings);

        using var first = await UpgradeAsync(gateway, "203.0.113.1");
        Assert.Equal(HttpStatusCode.SwitchingProtocols, first.HttpStatusCode);

        // Another user behind the same proxy: allowed only when the gateway sees the user's own address.
        using var second = await UpgradeAsync(gateway, "203.0.113.2");
        Assert.Equal(honoured ? HttpStatusCode.SwitchingProtocols : HttpStatusCode.TooManyRequests, second.HttpStatusCode);

        // The first user's address again: the cap holds for a forwarded address too.
        using var third = await UpgradeAsync(gateway, "203.0.113.1");
        Assert.Equal(HttpStatusCode.TooManyRequests, third.HttpStatusCode);
    }

    [Theory]
    [InlineData("ForwardedHeaders:KnownProxies:0", "not-an-address")]
    [InlineData("ForwardedHeaders:KnownNetworks:0", "10.0.0.0/99")]
    [InlineData("ForwardedHeaders:ForwardLimit", "0")]
    public async Task A_bad_proxy_setting_fails_the_start_and_names_it(string key, string value)
    {
        var failure = await Assert.ThrowsAsync<InvalidOperationException>(async () => await GatewayServer.StartAsync(new Dictionary<string, string?> { [key] = value }));
        Assert.Contains(key.EndsWith(":0", StringComparison.Ordinal) ? key[..^2] : key, failure.Message, StringComparison.Ordinal);
    }

    /// <summary>A WebSocket upgrade by a fresh user with the given X-Forwarded-For; the socket stays open until disposed.</summary>
    private static async Task<ClientWebSocket> UpgradeAsync(GatewayServer gateway, string forwardedFor)
    {
        var token = await gateway.LoginAsync(GatewayServer.UniqueName("fwd"));
        var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        socket.Options.SetRequestHeader("X-Forwarded-For", forwardedFor);
        try
        {
            await socket.ConnectAsync(gateway.WebSocketUri(token), CancellationToken.None);
        }
        catch (WebSocketException)
        {
            // Refused before the upgrade: the status is in HttpStatusCode.
        }

        return socket;
    }
}
