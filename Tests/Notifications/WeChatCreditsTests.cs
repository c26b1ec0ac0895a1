using OrleansChat.Grains;
using OrleansChat.Grains.Notifications;
using OrleansChat.Model;
using OrleansChat.Tests.Infrastructure;

namespace OrleansChat.Tests.Notifications;

/// <summary>Credits per (user, template) and what each of WeChat's answers to a send does with them.</summary>
[Collection(WeChatClusterGroup.Name)]
public sealed class WeChatCreditsTests(WeChatClusterFixture fixture)
{
    private const string Template = WeChatClusterFixture.TemplateId;

    private FakeWeChatServer WeChat => fixture.WeChat;

    private Task<ChannelOutcome> DeliverAsync(UserNotification notification) => fixture.Channel().DeliverAsync(notification, CancellationToken.None);

    private Task<IReadOnlyDictionary<string, int>> CreditsAsync(string user) => fixture.Grains.GetGrain<IWeChatSubscriberGrain>(user).GetCredits();

    [Fact]
    public async Task Each_accept_of_an_offered_template_adds_one_credit_up_to_the_cap_and_nothing_else_does()
    {
        var subscriber = fixture.Grains.GetGrain<IWeChatSubscriberGrain>("u" + Guid.NewGuid().ToString("N"));

        var credits = await subscriber.ReportSubscriptions(new Dictionary<string, SubscribeDecision> { [Template] = SubscribeDecision.Accept, ["not-offered"] = SubscribeDecision.Accept });
        Assert.Equal(new Dictionary<string, int> { [Template] = 1 }, credits);

        foreach (var decision in new[] { SubscribeDecision.Reject, SubscribeDecision.Ban, SubscribeDecision.Filter })
        {
            Assert.Equal(1, (await subscriber.ReportSubscriptions(new Dictionary<string, SubscribeDecision> { [Template] = decision }))[Template]);
        }

        for (var i = 0; i < WeChatClusterFixture.MaxCredits + 2; i++)
        {
            credits = await subscriber.ReportSubscriptions(new Dictionary<string, SubscribeDecision> { [Template] = SubscribeDecision.Accept });
        }

        Assert.Equal(WeChatClusterFixture.MaxCredits, credits[Template]);
    }

    [Fact]
    public async Task A_send_spends_one_credit_and_without_credit_the_channel_does_not_apply()
    {
        var user = await fixture.NewSubscriberAsync(credits: 1);

        Assert.Equal(ChannelOutcome.Delivered, await DeliverAsync(WeChatClusterFixture.Notification(user)));
        Assert.Equal(0, (await CreditsAsync(user))[Template]);
        Assert.Equal(ChannelOutcome.NotApplicable, await DeliverAsync(WeChatClusterFixture.Notification(user)));

        var sent = Assert.Single(WeChat.Sent, m => m.ToUser == user);
        Assert.Equal(Template, sent.TemplateId);
        Assert.Equal("pages/chat/chat?conv=room%3Alobby", sent.Page);
        Assert.Equal("formal", sent.MiniprogramState);
        Assert.Equal(new Dictionary<string, string>
        {
            ["thing1"] = "lobby",
            ["name2"] = "Alice",
            ["number3"] = "2",
            ["time4"] = "2026-12-07 12:05", // 04:05 UTC in China Standard Time, the default offset
            ["thing5"] = "hello",
        }, sent.Data);
    }

    [Fact]
    public async Task A_retry_of_a_sent_notification_is_delivered_without_a_second_message_or_credit()
    {
        var user = await fixture.NewSubscriberAsync(credits: 2);
        var notification = WeChatClusterFixture.Notification(user);

        Assert.Equal(ChannelOutcome.Delivered, await DeliverAsync(notification));
        Assert.Equal(ChannelOutcome.Delivered, await DeliverAsync(notification));

        Assert.Single(WeChat.Sent, m => m.ToUser == user);
        Assert.Equal(1, (await CreditsAsync(user))[Template]);
    }

    [Fact]
    public async Task Errcode_43101_sets_the_credit_to_zero()
    {
        var user = await fixture.NewSubscriberAsync(credits: WeChatClusterFixture.MaxCredits);
        WeChat.Cue(user, 43101);

        Assert.Equal(ChannelOutcome.NotApplicable, await DeliverAsync(WeChatClusterFixture.Notification(user)));
        Assert.Equal(0, (await CreditsAsync(user))[Template]);
        Assert.Equal(ChannelOutcome.NotApplicable, await DeliverAsync(WeChatClusterFixture.Notification(user)));
        Assert.DoesNotContain(WeChat.Sent, m => m.ToUser == user);
    }

    [Fact]
    public async Task A_busy_WeChat_is_retried_later_and_keeps_the_credit()
    {
        var user = await fixture.NewSubscriberAsync(credits: 1);
        var notification = WeChatClusterFixture.Notification(user);
        WeChat.Cue(user, -1);

        Assert.Equal(ChannelOutcome.RetryLater, await DeliverAsync(notification));
        Assert.Equal(1, (await CreditsAsync(user))[Template]);
        Assert.Equal(ChannelOutcome.Delivered, await DeliverAsync(notification));
        Assert.Equal(0, (await CreditsAsync(user))[Template]);
    }

    [Theory]
    [InlineData(40037)] // invalid template id
    [InlineData(47003)] // invalid template data
    public async Task A_refused_template_or_data_is_rejected_and_keeps_the_credit(int errcode)
    {
        var user = await fixture.NewSubscriberAsync(credits: 1);
        WeChat.Cue(user, errcode);

        Assert.Equal(ChannelOutcome.Rejected, await DeliverAsync(WeChatClusterFixture.Notification(user)));
        Assert.Equal(1, (await CreditsAsync(user))[Template]);
    }

    [Fact]
    public async Task A_user_without_a_WeChat_login_does_not_apply_whatever_their_credits()
    {
        var user = "dev" + Guid.NewGuid().ToString("N")[..10];
        await fixture.Grains.GetGrain<IWeChatSubscriberGrain>(user).ReportSubscriptions(new Dictionary<string, SubscribeDecision> { [Template] = SubscribeDecision.Accept });

        Assert.Equal(ChannelOutcome.NotApplicable, await DeliverAsync(WeChatClusterFixture.Notification(user)));
        Assert.Equal(1, (await CreditsAsync(user))[Template]);
    }

    [Fact]
    public async Task Long_Chinese_titles_and_emoji_are_cut_to_what_WeChat_accepts()
    {
        var user = await fixture.NewSubscriberAsync(credits: 1);
        var title = string.Concat(Enumerable.Repeat("技术交流群", 6)); // 30 characters
        var sender = "👩‍💻张伟伟伟伟伟伟伟伟伟伟"; // an emoji ZWJ sequence, then 12 Chinese characters
        var preview = string.Concat(Enumerable.Repeat("😀", 25)); // 25 emoji, 50 UTF-16 units

        Assert.Equal(ChannelOutcome.Delivered, await DeliverAsync(WeChatClusterFixture.Notification(user, title: title, sender: sender, preview: preview)));

        var data = Assert.Single(WeChat.Sent, m => m.ToUser == user).Data; // the fake answers 47003 to a value over WeChat's limits
        Assert.Equal(title[..19] + "…", data["thing1"]);
        Assert.Equal("👩‍💻张伟伟伟伟伟伟伟伟", data["name2"]);
        Assert.Equal(string.Concat(Enumerable.Repeat("😀", 19)) + "…", data["thing5"]);
    }
}
