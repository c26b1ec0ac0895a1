using Microsoft.Extensions.Options;
using OrleansChat.Model;

namespace OrleansChat.Grains.Notifications.WeChat;

/// <summary>
/// WeChat subscribe messages as a notification channel: renders the template from the notification and hands it to
/// the user's <see cref="IWeChatSubscriberGrain"/>, which holds the openid and the credits and makes the call.
/// </summary>
public sealed class WeChatSubscribeChannel(IGrainFactory grains, IOptions<WeChatNotificationOptions> options) : IUserNotificationChannel
{
    public const string ChannelName = "wechat";

    public string Name => ChannelName;

    public async Task<ChannelOutcome> DeliverAsync(UserNotification notification, CancellationToken cancellationToken)
    {
        var o = options.Value;
        if (!o.IsConfigured)
        {
            return ChannelOutcome.NotApplicable;
        }

        var message = new WeChatSubscribeMessage(
            notification.Id,
            o.TemplateId,
            PageOf(o, notification.ConversationId),
            WeChatTemplateFields.Render(notification, o),
            o.MiniprogramState,
            o.Lang);
        var outcome = await grains.GetGrain<IWeChatSubscriberGrain>(notification.UserId).Send(message).WaitAsync(cancellationToken);
        return outcome switch
        {
            WeChatSendOutcome.Sent or WeChatSendOutcome.AlreadySent => ChannelOutcome.Delivered,
            WeChatSendOutcome.NoOpenId or WeChatSendOutcome.NoCredit or WeChatSendOutcome.Refused => ChannelOutcome.NotApplicable,
            WeChatSendOutcome.RetryLater => ChannelOutcome.RetryLater,
            _ => ChannelOutcome.Rejected,
        };
    }

    /// <summary>The configured page with the conversation to open, or null (no jump) when no page is configured.</summary>
    internal static string? PageOf(WeChatNotificationOptions options, string conversationId) =>
        string.IsNullOrEmpty(options.Page) ? null
        : options.Page + (options.Page.Contains('?', StringComparison.Ordinal) ? "&" : "?") + "conv=" + Uri.EscapeDataString(conversationId);
}
