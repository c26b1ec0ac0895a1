using OrleansChat.Grains;
using OrleansChat.Grains.Notifications;
using OrleansChat.Tests.Infrastructure;

namespace OrleansChat.Tests.Notifications;

/// <summary>The cluster's one access token: fetched once however many ask, renewed before its expiry and when WeChat refuses it.</summary>
[Collection(WeChatClusterGroup.Name)]
public sealed class WeChatAccessTokenTests(WeChatClusterFixture fixture)
{
    private FakeWeChatServer WeChat => fixture.WeChat;

    [Fact]
    public async Task Concurrent_askers_share_one_fetch_and_later_ones_get_the_cached_token()
    {
        WeChat.TokenDelay = TimeSpan.FromMilliseconds(300);
        try
        {
            var tokens = fixture.Grains.GetGrain<IWeChatAccessTokenGrain>("concurrency-" + Guid.NewGuid().ToString("N"));
            var before = WeChat.TokenRequests;

            var answers = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => tokens.GetToken()));
            var again = await tokens.GetToken();

            Assert.Equal(1, WeChat.TokenRequests - before);
            Assert.Single(answers.Select(t => t!.Value).Append(again!.Value).Distinct());
        }
        finally
        {
            WeChat.TokenDelay = TimeSpan.Zero;
        }
    }

    [Fact]
    public async Task A_token_is_fetched_again_within_five_minutes_of_its_expiry()
    {
        WeChat.TokenLifetime = TimeSpan.FromMinutes(5) + TimeSpan.FromSeconds(4);
        try
        {
            WeChat.RefuseCurrentToken(40001); // so that the next request issues a token with the short lifetime
            var tokens = fixture.Grains.GetGrain<IWeChatAccessTokenGrain>("expiry-" + Guid.NewGuid().ToString("N"));
            var first = await tokens.GetToken();
            var requests = WeChat.TokenRequests;
            Assert.Equal(first, await tokens.GetToken()); // cached: more than 5 minutes left

            WeChatAccessToken? renewed = null;
            await Eventually.TrueAsync(async () => (renewed = await tokens.GetToken())!.Value != first!.Value, "the token is renewed as its last 5 minutes begin");

            Assert.Equal(requests + 1, WeChat.TokenRequests);
            Assert.True(renewed!.ExpiresAt > first!.ExpiresAt);
        }
        finally
        {
            WeChat.TokenLifetime = TimeSpan.FromHours(2);
        }
    }

    [Theory]
    [InlineData(40001)]
    [InlineData(42001)]
    public async Task A_refused_token_is_refreshed_once_for_many_concurrent_sends_from_both_silos(int errcode)
    {
        var users = await Task.WhenAll(Enumerable.Range(0, 12).Select(_ => fixture.NewSubscriberAsync(credits: 1)));
        await HoldAFreshTokenAsync(users[0]);
        var (requests, issued) = (WeChat.TokenRequests, WeChat.TokensIssued);

        WeChat.RefuseCurrentToken(errcode);
        WeChat.TokenDelay = TimeSpan.FromMilliseconds(200);
        ChannelOutcome[] outcomes;
        try
        {
            outcomes = await Task.WhenAll(users.Skip(1).Select((user, i) =>
                fixture.Channel(i % 2).DeliverAsync(WeChatClusterFixture.Notification(user), CancellationToken.None)));
        }
        finally
        {
            WeChat.TokenDelay = TimeSpan.Zero;
        }

        Assert.All(outcomes, o => Assert.Equal(ChannelOutcome.Delivered, o));
        Assert.Equal(issued + 1, WeChat.TokensIssued);
        Assert.Equal(requests + 1, WeChat.TokenRequests);
        Assert.Equal(users.Length, WeChat.Sent.Count(m => users.Contains(m.ToUser)));
    }

    [Fact]
    public async Task A_token_WeChat_keeps_handing_out_while_refusing_it_is_forced()
    {
        var user = await fixture.NewSubscriberAsync(credits: 2);
        await HoldAFreshTokenAsync(user);
        var forced = WeChat.ForcedTokenRequests;

        WeChat.RefuseCurrentToken(40001, renewOnRequest: false);
        var outcome = await fixture.Channel().DeliverAsync(WeChatClusterFixture.Notification(user), CancellationToken.None);

        Assert.Equal(ChannelOutcome.Delivered, outcome);
        Assert.Equal(forced + 1, WeChat.ForcedTokenRequests);
    }

    /// <summary>
    /// Makes WeChat issue a new token with the usual lifetime and the cluster hold it (a send with the old one is
    /// refused, so the cluster refreshes), whatever earlier tests left behind.
    /// </summary>
    private async Task HoldAFreshTokenAsync(string user)
    {
        WeChat.RefuseCurrentToken(40001);
        Assert.Equal(ChannelOutcome.Delivered, await fixture.Channel().DeliverAsync(WeChatClusterFixture.Notification(user), CancellationToken.None));
    }
}
