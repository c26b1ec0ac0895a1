using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansChat.Grains.WeChat;
using OrleansChat.Model;

namespace OrleansChat.Grains.Notifications.WeChat;

/// <summary>
/// A user's openid and credits, persisted; sends go through here one at a time, so a credit is spent once. The
/// state is written before WeChat is asked only when something changed, and after every send that spent a credit.
/// </summary>
public sealed partial class WeChatSubscriberGrain(
    [PersistentState("wechat", "chat")] IPersistentState<WeChatSubscriberState> state,
    WeChatApiClient wechat,
    IOptions<WeChatOptions> app,
    IOptions<WeChatNotificationOptions> options,
    ILogger<WeChatSubscriberGrain> logger) : Grain, IWeChatSubscriberGrain
{
    /// <summary>How many sent notification ids are remembered: far more than one user's entries being retried at once.</summary>
    internal const int RememberedSends = 64;

    private WeChatSubscriberState State => state.State;

    public async Task SetOpenId(string openId)
    {
        if (State.OpenId != openId)
        {
            State.OpenId = openId;
            await state.WriteStateAsync();
        }
    }

    public async Task<IReadOnlyDictionary<string, int>> ReportSubscriptions(IReadOnlyDictionary<string, SubscribeDecision> results)
    {
        var o = options.Value;
        var changed = false;
        foreach (var template in o.Templates)
        {
            if (results.TryGetValue(template, out var decision) && decision == SubscribeDecision.Accept)
            {
                var credits = State.Credits.GetValueOrDefault(template);
                if (credits < o.MaxCredits)
                {
                    State.Credits[template] = credits + 1;
                    changed = true;
                }
            }
        }

        if (changed)
        {
            await state.WriteStateAsync();
        }

        return CurrentCredits();
    }

    public Task<IReadOnlyDictionary<string, int>> GetCredits() => Task.FromResult<IReadOnlyDictionary<string, int>>(CurrentCredits());

    public async Task<WeChatSendOutcome> Send(WeChatSubscribeMessage message)
    {
        if (State.RecentlySent.Contains(message.NotificationId))
        {
            return WeChatSendOutcome.AlreadySent;
        }

        if (State.OpenId is not { } openId)
        {
            return WeChatSendOutcome.NoOpenId;
        }

        if (State.Credits.GetValueOrDefault(message.TemplateId) < 1)
        {
            return WeChatSendOutcome.NoCredit;
        }

        var answer = await SendWithTokenAsync(openId, message);
        switch (answer.ErrCode)
        {
            case 0:
                State.Credits[message.TemplateId] -= 1;
                Remember(message.NotificationId);
                await state.WriteStateAsync();
                return WeChatSendOutcome.Sent;
            case WeChatAnswer.NotSubscribed:
                // WeChat's count is the truth: this user has no subscription left, whatever we counted.
                State.Credits[message.TemplateId] = 0;
                await state.WriteStateAsync();
                return WeChatSendOutcome.Refused;
            default:
                return Classify(answer);
        }
    }

    /// <summary>Sends with the cluster's token; a token WeChat refuses is refreshed (once for the cluster) and the send tried once more.</summary>
    private async Task<WeChatAnswer> SendWithTokenAsync(string openId, WeChatSubscribeMessage message)
    {
        var tokens = GrainFactory.GetGrain<IWeChatAccessTokenGrain>(app.Value.AppId);
        if (await tokens.GetToken() is not { } token)
        {
            return WeChatAnswer.NoAnswer("no access token (WeChat's token endpoint failed)");
        }

        var answer = await wechat.SendSubscribeMessageAsync(token.Value, openId, message, CancellationToken.None);
        if (!answer.IsTokenRefused)
        {
            return answer;
        }

        if (await tokens.Refresh(token.Value) is not { } fresh)
        {
            return WeChatAnswer.NoAnswer("WeChat refused the access token and no new one could be had");
        }

        return await wechat.SendSubscribeMessageAsync(fresh.Value, openId, message, CancellationToken.None);
    }

    private WeChatSendOutcome Classify(WeChatAnswer answer)
    {
        var outcome = answer.ErrCode switch
        {
            null or WeChatAnswer.Busy or WeChatAnswer.InvalidToken or WeChatAnswer.ExpiredToken => WeChatSendOutcome.RetryLater,
            45009 or 45011 => WeChatSendOutcome.RetryLater, // WeChat's daily quota, its rate limit
            _ => WeChatSendOutcome.Rejected, // 40003 openid, 40037 template, 41030 page, 47003 data, and anything unknown
        };
        if (outcome == WeChatSendOutcome.Rejected)
        {
            LogRejected(this.GetPrimaryKeyString(), answer.Detail);
        }

        return outcome;
    }

    private void Remember(string notificationId)
    {
        State.RecentlySent.Add(notificationId);
        if (State.RecentlySent.Count > RememberedSends)
        {
            State.RecentlySent.RemoveRange(0, State.RecentlySent.Count - RememberedSends);
        }
    }

    private Dictionary<string, int> CurrentCredits() =>
        options.Value.Templates.ToDictionary(t => t, t => State.Credits.GetValueOrDefault(t), StringComparer.Ordinal);

    [LoggerMessage(Level = LogLevel.Warning, Message = "WeChat refused a subscribe message for user {UserId}: {Detail}")]
    private partial void LogRejected(string userId, string detail);
}
