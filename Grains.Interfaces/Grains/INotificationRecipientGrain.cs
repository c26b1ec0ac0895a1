using Orleans.Concurrency;
using OrleansChat.Model;

namespace OrleansChat.Grains;

/// <summary>
/// A message a user may need to be told about while away: what a conversation hands to the recipient's user grain,
/// which alone knows whether the user is connected and whether they muted the conversation.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record OfflineNotice(string Conv, bool IsRoom, string Title, UserProfile From, long Seq, long Ts, string? Preview);

/// <summary>
/// The user grain's side of offline notifications (implemented by the user grain, same key: the user id). Kept apart
/// from <see cref="IUserGrain"/> so the notification feature stays in files of its own.
/// </summary>
public interface INotificationRecipientGrain : IGrainWithStringKey
{
    /// <summary>
    /// Queues a notification of <paramref name="notice"/> unless the user has a live connection, muted the conversation,
    /// is no longer in it, or blocked the sender. One way: a conversation calls it after the ack and the fan-out, and
    /// waits for nothing.
    /// </summary>
    [OneWay]
    Task NotifyIfAway(OfflineNotice notice);
}
