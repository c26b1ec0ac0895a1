namespace OrleansChat.Grains.Notifications;

/// <summary>
/// One way of telling a user who has no live connection that a conversation has news (a WeChat subscribe message,
/// say). The outbox workers call every registered channel for each due <see cref="UserNotification"/>; a channel
/// decides for itself whether it applies (configured, the user has a credit) and must tolerate a retry of the same
/// <see cref="UserNotification.Id"/> (delivery is at least once).
/// </summary>
public interface IUserNotificationChannel
{
    /// <summary>A short stable name ("wechat"), used in metrics, logs and the outbox's per-channel state.</summary>
    string Name { get; }

    Task<ChannelOutcome> DeliverAsync(UserNotification notification, CancellationToken cancellationToken);
}

/// <summary>
/// What an offline user is told: <see cref="Count"/> new messages in one conversation, coalesced over
/// <c>Notifications:CoalesceWindow</c>. <see cref="Id"/> is stable across retries, so a receiver can dedupe on it.
/// </summary>
public sealed record UserNotification(
    string Id,
    string UserId,
    string ConversationId,
    bool IsRoom,
    string Title,
    string SenderName,
    string? Preview,
    int Count,
    DateTimeOffset LastAt);

public enum ChannelOutcome
{
    /// <summary>Handed over; done for this channel.</summary>
    Delivered,

    /// <summary>The channel does not apply (not configured, no credit, no WeChat openid); done, counted as skipped.</summary>
    NotApplicable,

    /// <summary>A transient failure (timeout, 5xx, a token refresh): try again on the backoff schedule.</summary>
    RetryLater,

    /// <summary>A permanent refusal (a bad template, say): no retry; the entry is dead-lettered for this channel.</summary>
    Rejected,
}
