using Microsoft.Extensions.DependencyInjection;
using OrleansChat.Grains.Notifications;
using OrleansChat.Model;

namespace OrleansChat.Grains;

/// <summary>
/// Offline notifications and webhook events of a room: a room message notifies only the members it @-mentions (a
/// crowd is not paged for every message). Nothing here is awaited: the ack never waits for the outbox.
/// </summary>
public sealed partial class GroupRoomGrain
{
    /// <summary>Mentions one message may carry; more is refused as a bad request.</summary>
    public const int MaxMentions = 20;

    private NotificationPublisher? _notifications;

    private NotificationPublisher Notifications => _notifications ??= ServiceProvider.GetRequiredService<NotificationPublisher>();

    /// <summary>
    /// The body as it is sent on: its mentions cut to distinct members other than the sender (none left: null). A body
    /// without mentions is returned as it is, so the common send allocates nothing here.
    /// </summary>
    private MessageBody WithValidMentions(MessageBody body, string senderId)
    {
        if (body is not TextBody { Mentions: { Count: > 0 } mentions } text)
        {
            return body;
        }

        if (mentions.Count > MaxMentions)
        {
            throw ChatException.BadRequest($"at most {MaxMentions} mentions per message");
        }

        string[] members = [.. mentions.Distinct(StringComparer.Ordinal).Where(m => m != senderId && IsMember(m))];
        return text with { Mentions = members.Length == 0 ? null : members };
    }

    /// <summary>A stored message: the <c>message.created</c> webhook, and each mentioned member's user grain is asked to notify them if away.</summary>
    private void NotifyStored(ChatMessage message)
    {
        Notifications.MessageCreated(message);
        if (!Notifications.UserNotificationsOn || message.Body is not TextBody { Mentions: { Count: > 0 } mentions })
        {
            return;
        }

        var notice = Notifications.NoticeOf(message, isRoom: true, title: Room);
        foreach (var userId in mentions)
        {
            GrainFactory.GetGrain<INotificationRecipientGrain>(userId).NotifyIfAway(notice).Ignore();
        }
    }

    /// <summary>The <c>room.member_joined</c> webhook.</summary>
    private void NotifyJoined(UserProfile user) => Notifications.RoomMemberJoined(Room, user);
}
