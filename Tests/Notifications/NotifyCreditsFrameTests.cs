using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using OrleansChat.Grains.Notifications;
using OrleansChat.Grains.Notifications.WeChat;
using OrleansChat.Tests.Infrastructure;

namespace OrleansChat.Tests.Notifications;

/// <summary>A gateway with WeChat notifications configured, driven through WeChat login and a real socket.</summary>
public sealed class WeChatGatewayFixture : IAsyncLifetime
{
    public FakeWeChatServer WeChat { get; private set; } = null!;

    public GatewayServer Server { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        WeChat = await FakeWeChatServer.StartAsync();
        Server = await GatewayServer.StartAsync(WeChatClusterFixture.Settings(WeChat.BaseUri));
    }

    public async Task DisposeAsync()
    {
        await Server.DisposeAsync();
        await WeChat.DisposeAsync();
    }
}

/// <summary><c>welcome.notify</c> and <c>notify.credits</c> end to end: login, socket, credits, then a subscribe message sent.</summary>
public sealed class NotifyCreditsFrameTests(WeChatGatewayFixture fixture) : IClassFixture<WeChatGatewayFixture>
{
    private const string Template = WeChatClusterFixture.TemplateId;

    private GatewayServer Server => fixture.Server;

    private async Task<ChatClient> WeChatLoginAsync(string openId)
    {
        using var response = await Server.Http.PostAsJsonAsync("/api/auth/wechat", new { code = "ok-" + openId, name = "Wei" });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return await Server.ConnectWithTokenAsync(body.RootElement.GetProperty("token").GetString()!);
    }

    [Fact]
    public async Task Welcome_names_the_templates_and_accepted_ones_become_credits_a_notification_spends()
    {
        var openId = "o" + Guid.NewGuid().ToString("N")[..24];
        await using var client = await WeChatLoginAsync(openId);

        var welcome = await client.WaitForAsync(f => f.Type == "welcome");
        Assert.Equal([Template], welcome.Json.GetProperty("notify").GetProperty("templates").EnumerateArray().Select(t => t.GetString()));

        var reply = await client.AckedAsync(id => new { type = "notify.credits", id, results = new Dictionary<string, string> { [Template] = "accept", ["other"] = "accept" } });
        Assert.Equal("notify.credits", reply.Type);
        Assert.Equal(1, reply.Json.GetProperty("credits").GetProperty(Template).GetInt32());
        Assert.False(reply.Json.GetProperty("credits").TryGetProperty("other", out _));
        reply = await client.AckedAsync(id => new { type = "notify.credits", id, results = new Dictionary<string, string> { [Template] = "reject" } });
        Assert.Equal(1, reply.Json.GetProperty("credits").GetProperty(Template).GetInt32());

        // The login recorded the openid, so the channel (as the embedded silo's outbox workers find it) can send.
        var channel = Server.Services.GetServices<IUserNotificationChannel>().Single(c => c.Name == WeChatSubscribeChannel.ChannelName);
        Assert.Equal(ChannelOutcome.Delivered, await channel.DeliverAsync(WeChatClusterFixture.Notification(openId), CancellationToken.None));
        Assert.Equal(ChannelOutcome.NotApplicable, await channel.DeliverAsync(WeChatClusterFixture.Notification(openId), CancellationToken.None));
        Assert.Single(fixture.WeChat.Sent, m => m.ToUser == openId && m.TemplateId == Template);
    }

    [Theory]
    [InlineData("""{"type":"notify.credits","id":"n1","results":{}}""")]
    [InlineData("""{"type":"notify.credits","id":"n1","results":{"t":"maybe"}}""")]
    [InlineData("""{"type":"notify.credits","id":"n1","results":["t"]}""")]
    [InlineData("""{"type":"notify.credits","id":"n1"}""")]
    public async Task A_malformed_report_is_a_bad_request_and_the_connection_stays(string frame)
    {
        await using var client = await WeChatLoginAsync("o" + Guid.NewGuid().ToString("N")[..24]);
        await client.WaitForAsync(f => f.Type == "welcome");

        await client.SendRawAsync(frame);

        var error = await client.WaitForAsync(f => f.Re == "n1");
        Assert.Equal("error", error.Type);
        Assert.Equal("bad_request", error.Str("code"));
        Assert.Equal("pong", (await client.RequestAsync(id => new { type = "ping", id })).Type);
    }

    [Fact]
    public async Task A_user_of_the_development_login_has_credits_but_no_openid_so_nothing_is_sent()
    {
        var user = "dev" + Guid.NewGuid().ToString("N")[..12];
        await using var client = await Server.ConnectAsync(user);
        await client.WaitForAsync(f => f.Type == "welcome");
        await client.AckedAsync(id => new { type = "notify.credits", id, results = new Dictionary<string, string> { [Template] = "accept" } });

        var channel = Server.Services.GetServices<IUserNotificationChannel>().Single(c => c.Name == WeChatSubscribeChannel.ChannelName);
        Assert.Equal(ChannelOutcome.NotApplicable, await channel.DeliverAsync(WeChatClusterFixture.Notification(user), CancellationToken.None));
        Assert.DoesNotContain(fixture.WeChat.Sent, m => m.ToUser == user);
    }
}
