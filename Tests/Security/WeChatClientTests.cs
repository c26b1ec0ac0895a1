using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using OrleansChat.Gateway.Auth.WeChat;
using OrleansChat.Grains.WeChat;
using OrleansChat.Tests.Infrastructure;

namespace OrleansChat.Tests.Security;

/// <summary>The code2session client on its own: what it makes of a WeChat that is down or misconfigured.</summary>
public sealed class WeChatClientTests
{
    [Fact]
    public async Task A_server_that_is_down_is_unreachable()
    {
        var down = new Uri($"http://127.0.0.1:{FreePort.Next()}/");
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var client = new WeChatClient(http, Options.Create(new WeChatOptions { BaseUrl = down, AppId = "a", Secret = "s" }), NullLogger<WeChatClient>.Instance);

        var result = await client.Code2SessionAsync("ok-x", CancellationToken.None);

        Assert.Equal(WeChatFailure.Unreachable, result.Failure);
        Assert.Null(result.OpenId);
    }

    [Fact]
    public async Task A_wrong_secret_is_another_wechat_error_and_the_secret_is_not_in_the_detail()
    {
        await using var wechat = await FakeWeChatServer.StartAsync();
        using var http = new HttpClient();
        var options = new WeChatOptions { BaseUrl = wechat.BaseUri, AppId = FakeWeChatServer.AppId, Secret = "wrong-secret" };
        var client = new WeChatClient(http, Options.Create(options), NullLogger<WeChatClient>.Instance);

        var result = await client.Code2SessionAsync("ok-x", CancellationToken.None);

        Assert.Equal(WeChatFailure.Other, result.Failure);
        Assert.Contains("40013", result.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain("wrong-secret", result.Detail, StringComparison.Ordinal);
    }
}
