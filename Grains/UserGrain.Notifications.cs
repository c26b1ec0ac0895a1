using Microsoft.Extensions.DependencyInjection;
using OrleansChat.Grains.Notifications;

namespace OrleansChat.Grains;

/// <summary>
/// The user's side of offline notifications: only the user grain knows both whether the user is connected anywhere
/// and whether they muted the conversation, so a conversation asks it (one way) instead of deciding itself.
/// </summary>
public sealed partial class UserGrain : INotificationRecipientGrain
{
    private NotificationPublisher? _notifications;

    public Task NotifyIfAway(OfflineNotice notice)
    {
        ArgumentNullException.ThrowIfNull(notice);
        DropExpiredGateways();
        if (!_connections.AnyLive && WantsNotice(notice))
        {
            (_notifications ??= ServiceProvider.GetRequiredService<NotificationPublisher>()).NotifyUser(UserId, notice);
        }

        return Task.CompletedTask;
    }

    /// <summary>Still the user's conversation, not muted, and not from someone the user blocked.</summary>
    private bool WantsNotice(OfflineNotice notice) =>
        IsMine(notice.Conv)
        && !(Conversations.TryGetValue(notice.Conv, out var mine) && mine.Muted)
        && !state.State.Blocked.Contains(notice.From.Id);
}
