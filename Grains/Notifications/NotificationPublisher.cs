using Microsoft.Extensions.Options;
using OrleansChat.Grains.Notifications.Webhooks;
using OrleansChat.Model;

namespace OrleansChat.Grains.Notifications;

/// <summary>
/// What the conversation and user grains call to queue notifications: it knows which are switched on (user
/// notifications when a channel is registered, each webhook event when configured) and builds the entries, which go
/// to the <see cref="NotificationEnqueuer"/>. Every method returns at once.
/// </summary>
public sealed class NotificationPublisher
{
    private readonly NotificationOptions _options;
    private readonly NotificationEnqueuer _enqueuer;
    private readonly WebhookEvents _events;
    private readonly TimeProvider _time;

    public NotificationPublisher(IOptions<NotificationOptions> options, IEnumerable<IUserNotificationChannel> channels, NotificationEnqueuer enqueuer, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        (_options, _enqueuer, _time) = (options.Value, enqueuer, time);
        _events = new(_options, time);
        UserNotificationsOn = channels.Any();
    }

    /// <summary>Whether any <see cref="IUserNotificationChannel"/> is registered: without one, no user notification is queued.</summary>
    public bool UserNotificationsOn { get; }

    /// <summary>What a conversation tells a possibly offline recipient of <paramref name="message"/>.</summary>
    public OfflineNotice NoticeOf(ChatMessage message, bool isRoom, string title)
    {
        ArgumentNullException.ThrowIfNull(message);
        var preview = _options.IncludePreview ? MessagePreview.Of(message) : null;
        var text = preview is null ? null : preview.Text ?? $"[{preview.Kind}]";
        return new OfflineNotice(message.Conv, isRoom, title, message.From, message.Seq, message.Ts, text);
    }

    /// <summary>
    /// Queues <paramref name="notice"/> for <paramref name="userId"/>, who was found away: into the entry of its
    /// coalescing window (from the message's own time, so a retry finds the same entry).
    /// </summary>
    public void NotifyUser(string userId, OfflineNotice notice)
    {
        ArgumentNullException.ThrowIfNull(notice);
        var at = DateTimeOffset.FromUnixTimeMilliseconds(notice.Ts);
        var id = OutboxEntries.UserNotificationId(userId, notice.Conv, at, _options.CoalesceWindow);
        var payload = OutboxEntries.ToJson(new UserNotificationPayload(userId, notice.Conv, notice.IsRoom, notice.Title, notice.From.Name, notice.Preview));
        var now = _time.GetUtcNow();
        _enqueuer.Enqueue(new OutboxEntry(id, OutboxEntryKind.User, OutboxEntries.ShardOf(userId, _options.Shards), payload, 1, notice.Seq, at, now, now));
    }

    public void MessageCreated(ChatMessage message)
    {
        if (_options.Webhooks.Sends(WebhookEventTypes.MessageCreated))
        {
            _enqueuer.Enqueue(_events.MessageCreated(message));
        }
    }

    public void DmRequested(string conv, UserProfile from, string to)
    {
        if (_options.Webhooks.Sends(WebhookEventTypes.DmRequested))
        {
            _enqueuer.Enqueue(_events.DmRequested(conv, from, to, _time.GetUtcNow().ToUnixTimeMilliseconds()));
        }
    }

    public void RoomMemberJoined(string room, UserProfile user)
    {
        if (_options.Webhooks.Sends(WebhookEventTypes.RoomMemberJoined))
        {
            _enqueuer.Enqueue(_events.RoomMemberJoined(room, user, _time.GetUtcNow().ToUnixTimeMilliseconds()));
        }
    }
}
