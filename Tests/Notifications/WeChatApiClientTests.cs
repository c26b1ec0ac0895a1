using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OrleansChat.Grains.Notifications.WeChat;
using OrleansChat.Grains.WeChat;
using OrleansChat.Tests.Infrastructure;

namespace OrleansChat.Tests.Notifications;

/// <summary>The silos' WeChat API client on its own, as DI builds it: what it makes of a WeChat that is down or misconfigured.</summary>
public sealed class WeChatApiClientTests
{
    private static ServiceProvider Services(Uri wechat, string secret = FakeWeChatServer.Secret)
    {
        var settings = WeChatClusterFixture.Settings(wechat);
        settings["WeChat:Secret"] = secret;
        settings["WeChat:Timeout"] = "00:00:02";
        var services = new ServiceCollection().AddLogging();
        services.AddWeChatSubscribeMessages(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        return services.BuildServiceProvider();
    }

    [Fact]
    public async Task A_token_counts_its_validity_from_when_it_was_asked_for()
    {
        await using var wechat = await FakeWeChatServer.StartAsync();
        await using var services = Services(wechat.BaseUri);
        var before = DateTimeOffset.UtcNow;

        var answer = await services.GetRequiredService<WeChatApiClient>().FetchStableTokenAsync(forceRefresh: false, CancellationToken.None);

        Assert.True(answer.Answer.Succeeded, answer.Answer.Detail);
        Assert.Equal("token-1", answer.Token!.Value);
        Assert.InRange(answer.Token.ExpiresAt, before + wechat.TokenLifetime - TimeSpan.FromSeconds(1), DateTimeOffset.UtcNow + wechat.TokenLifetime + TimeSpan.FromSeconds(1));
    }

    [Fact]
    public async Task Wrong_credentials_are_WeChats_errcode_and_an_unreachable_WeChat_is_no_answer()
    {
        await using var wechat = await FakeWeChatServer.StartAsync();
        await using (var misconfigured = Services(wechat.BaseUri, secret: "wrong"))
        {
            var refused = await misconfigured.GetRequiredService<WeChatApiClient>().FetchStableTokenAsync(false, CancellationToken.None);
            Assert.Null(refused.Token);
            Assert.Equal(40013, refused.Answer.ErrCode);
        }

        var down = new Uri($"http://127.0.0.1:{FreePort.Next()}/");
        await using var unreachable = Services(down);
        var client = unreachable.GetRequiredService<WeChatApiClient>();
        var noToken = await client.FetchStableTokenAsync(false, CancellationToken.None);
        var noSend = await client.SendSubscribeMessageAsync("t", "o", new OrleansChat.Grains.WeChatSubscribeMessage("n", "tmpl", null, new Dictionary<string, string>(), "formal", "zh_CN"), CancellationToken.None);

        Assert.Null(noToken.Answer.ErrCode);
        Assert.Null(noSend.ErrCode);
        Assert.False(noSend.Succeeded);
    }
}
