using System.Collections.Concurrent;
using OrleansChat.Grains.Notifications;

namespace OrleansChat.Tests.Notifications;

/// <summary>
/// A user channel for tests: records every call (with the time of the clock given) and answers what
/// <see cref="Answer"/> says (default: delivered), optionally after a delay.
/// </summary>
public sealed class RecordingChannel(string name, TimeProvider? time = null) : IUserNotificationChannel
{
    public string Name { get; } = name;

    public ConcurrentQueue<(UserNotification Notification, DateTimeOffset At)> Calls { get; } = new();

    public Func<UserNotification, ChannelOutcome> Answer { get; set; } = _ => ChannelOutcome.Delivered;

    public TimeSpan Delay { get; set; }

    public IReadOnlyList<UserNotification> Delivered => [.. Calls.Select(c => c.Notification)];

    public async Task<ChannelOutcome> DeliverAsync(UserNotification notification, CancellationToken cancellationToken)
    {
        if (Delay > TimeSpan.Zero)
        {
            await Task.Delay(Delay, cancellationToken);
        }

        Calls.Enqueue((notification, (time ?? TimeProvider.System).GetUtcNow()));
        return Answer(notification);
    }
}

/// <summary>An <see cref="IHttpClientFactory"/> handing out one plain client.</summary>
public sealed class PlainHttpClientFactory : IHttpClientFactory
{
    public HttpClient CreateClient(string name) => new();
}
