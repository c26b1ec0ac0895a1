using OrleansChat.Grains;
using OrleansChat.Protocol;

namespace OrleansChat.Gateway.Protocol;

/// <summary><c>notify.credits</c>: the user's answers to WeChat's subscription prompt become credits in their subscriber grain.</summary>
public sealed partial class ChatSession
{
    private async Task<ServerFrame> ReportNotifyCreditsAsync(NotifyCreditsCommand c)
    {
        var credits = await grains.GetGrain<IWeChatSubscriberGrain>(Me.Id).ReportSubscriptions(c.Results);
        return new NotifyCreditsReply(c.Id, credits);
    }
}
