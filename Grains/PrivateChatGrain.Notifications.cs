using Microsoft.Extensions.DependencyInjection;
using OrleansChat.Grains.Notifications;
using OrleansChat.Model;

namespace OrleansChat.Grains;

/// <summary>
/// Offline notifications and webhook events of a private chat. Called after the message is durable and fanned out,
/// and none of it is awaited: the ack never waits for the outbox (docs/architecture.md, "Offline notifications").
/// </summary>
public sealed partial class PrivateChatGrain
{
    private NotificationPublisher? _notifications;

    private NotificationPublisher Notifications => _notifications ??= ServiceProvider.GetRequiredService<NotificationPublisher>();

    /// <summary>
    /// A stored message: the <c>message.created</c> webhook, and the peer's user grain is asked to notify them unless
    /// this conversation already knows them online (their gateways announce themselves here while it is open).
    /// </summary>
    private void NotifyStored(ChatMessage message, string peer)
    {
        Notifications.MessageCreated(message);
        if (!Notifications.UserNotificationsOn || (_whereConnected.TryGetValue(peer, out var known) && known.Online))
        {
            return;
        }

        var notice = Notifications.NoticeOf(message, isRoom: false, title: message.From.Name);
        GrainFactory.GetGrain<INotificationRecipientGrain>(peer).NotifyIfAway(notice).Ignore();
    }

    /// <summary>The <c>dm.requested</c> webhook.</summary>
    private void NotifyRequested(UserProfile from, string peer) => Notifications.DmRequested(Conv, from, peer);
}
