using Microsoft.Extensions.DependencyInjection;
using OrleansChat.Grains.Notifications;
using OrleansChat.Model;

namespace OrleansChat.Grains;

/// <summary>
/// Offline notifications and webhook events of a room: a room message notifies the members it @-mentions and those
/// who asked for every message (<c>conv.notify</c>); a crowd is not paged for every message. Nothing here is awaited:
/// the ack never waits for the outbox.
/// </summary>
public sealed partial class GroupRoomGrain
{
    /// <summary>Mentions one message may carry; more is refused as a bad request.</summary>
    public const int MaxMentions = 20;

    /// <summary>
    /// Members of one room who may ask for every message (<c>conv.notify</c>): each message costs one one-way call per
    /// such member (their user grain decides whether they are away), so the number is bounded like the mentions.
    /// </summary>
    public const int MaxNotifyMembers = 100;

    public async Task SetNotify(string userId, bool on)
    {
        EnsureMember(userId);
        var set = State.NotifyMembers;
        if (on && !set.Contains(userId) && set.Count >= MaxNotifyMembers)
        {
            throw ChatException.Forbidden($"at most {MaxNotifyMembers} members of a room may be notified of every message; mentions still notify you");
        }

        if (on ? set.Add(userId) : set.Remove(userId))
        {
            await state.WriteStateAsync();
        }
    }

    /// <summary>A member who is gone is no longer notified.</summary>
    private async Task ForgetNotifyMemberAsync(string userId)
    {
        if (State.NotifyMembers.Remove(userId))
        {
            await state.WriteStateAsync();
        }
    }

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

    /// <summary>
    /// A stored message: the <c>message.created</c> webhook, and the user grain of each member it mentions or who asked
    /// for every message is asked to notify them if away. Recalls and notices never notify.
    /// </summary>
    private void NotifyStored(ChatMessage message)
    {
        Notifications.MessageCreated(message);
        IReadOnlyCollection<string> mentions = message.Body is TextBody { Mentions: { } m } ? m : [];
        var everyMessage = message.Body is TextBody or ImageBody or AudioBody && State.NotifyMembers.Count > 0;
        if (!Notifications.UserNotificationsOn || (mentions.Count == 0 && !everyMessage))
        {
            return;
        }

        var notice = Notifications.NoticeOf(message, isRoom: true, title: Room);
        var recipients = everyMessage ? mentions.Concat(State.NotifyMembers) : mentions;
        foreach (var userId in recipients.Where(id => id != message.From.Id).Distinct(StringComparer.Ordinal))
        {
            GrainFactory.GetGrain<INotificationRecipientGrain>(userId).NotifyIfAway(notice).Ignore();
        }
    }

    /// <summary>The <c>room.member_joined</c> webhook.</summary>
    private void NotifyJoined(UserProfile user) => Notifications.RoomMemberJoined(Room, user);
}
