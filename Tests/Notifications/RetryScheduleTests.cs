using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using OrleansChat.Grains.Notifications;
using OrleansChat.Grains.Notifications.InMemory;
using OrleansChat.Grains.Notifications.Webhooks;

namespace OrleansChat.Tests.Notifications;

/// <summary>The worker's delivery rules on a fake clock: the retry schedule to the second, the dead letter, and per-channel outcomes.</summary>
public sealed class RetryScheduleTests : IDisposable
{
    private static readonly DateTimeOffset T0 = DateTimeOffset.FromUnixTimeMilliseconds(1_764_000_000_000);

    private readonly FakeTimeProvider _time = new(T0);
    private readonly InMemoryNotificationOutbox _outbox = new();
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();

    private IMeterFactory Meters => _services.GetRequiredService<IMeterFactory>();

    private NotificationDispatcher Dispatcher(params IUserNotificationChannel[] channels)
    {
        var options = Options.Create(new NotificationOptions());
        return new NotificationDispatcher(_outbox, channels, new WebhookSender(new PlainHttpClientFactory(), options, _time), options, _time,
            new NotificationMetrics(Meters), NullLogger<NotificationDispatcher>.Instance);
    }

    private async Task<string> EnqueueAsync()
    {
        var payload = OutboxEntries.ToJson(new UserNotificationPayload("bob", "dm:alice:bob", false, "Alice", "Alice", null));
        var id = OutboxEntries.UserNotificationId("bob", "dm:alice:bob", T0, TimeSpan.FromMinutes(5));
        await _outbox.EnqueueAsync([new OutboxEntry(id, OutboxEntryKind.User, 0, payload, 1, 1, T0, T0, T0)]);
        return id;
    }

    [Fact]
    public async Task A_failing_channel_is_retried_after_10s_1min_5min_30min_2h_then_dead_lettered()
    {
        var channel = new RecordingChannel("push", _time) { Answer = _ => ChannelOutcome.RetryLater };
        var dispatcher = Dispatcher(channel);
        var id = await EnqueueAsync();
        TimeSpan[] waits = [TimeSpan.FromSeconds(10), TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(30), TimeSpan.FromHours(2)];

        Assert.Equal(0, await dispatcher.RunPassAsync(0)); // first attempt fails: rescheduled, not finished
        foreach (var wait in waits)
        {
            _time.Advance(wait - TimeSpan.FromMilliseconds(1));
            Assert.Equal(0, await dispatcher.RunPassAsync(0));
            Assert.Equal(1 + Array.IndexOf(waits, wait), channel.Calls.Count); // not due a millisecond early
            _time.Advance(TimeSpan.FromMilliseconds(1));
            await dispatcher.RunPassAsync(0);
        }

        var expected = new List<DateTimeOffset> { T0 };
        foreach (var wait in waits)
        {
            expected.Add(expected[^1] + wait);
        }

        Assert.Equal(expected, channel.Calls.Select(c => c.At));
        var dead = await _outbox.FindAsync(id);
        Assert.Equal(OutboxStatus.Dead, dead!.Status);
        Assert.Equal(6, dead.Attempts);
        Assert.Equal(expected[^1], dead.FinishedAt);
        Assert.Contains("push", dead.LastError, StringComparison.Ordinal);

        _time.Advance(TimeSpan.FromDays(1));
        Assert.Equal(0, await dispatcher.RunPassAsync(0));
        Assert.Equal(6, channel.Calls.Count); // a dead letter is never tried again
    }

    [Fact]
    public async Task A_retry_goes_only_to_the_channel_that_failed()
    {
        var delivered = new RecordingChannel("wechat", _time);
        var flaky = new RecordingChannel("sms", _time) { Answer = _ => ChannelOutcome.RetryLater };
        var dispatcher = Dispatcher(delivered, flaky);
        var id = await EnqueueAsync();

        await dispatcher.RunPassAsync(0);
        flaky.Answer = _ => ChannelOutcome.Delivered;
        _time.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(1, await dispatcher.RunPassAsync(0));

        Assert.Single(delivered.Calls);
        Assert.Equal(2, flaky.Calls.Count);
        var sent = await _outbox.FindAsync(id);
        Assert.Equal(OutboxStatus.Sent, sent!.Status);
        Assert.Equal(["wechat", "sms"], sent.Done);
    }

    [Fact]
    public async Task A_rejection_dead_letters_at_once_and_not_applicable_counts_as_done()
    {
        var rejecting = new RecordingChannel("wechat", _time) { Answer = _ => ChannelOutcome.Rejected };
        var skipping = new RecordingChannel("sms", _time) { Answer = _ => ChannelOutcome.NotApplicable };
        var id = await EnqueueAsync();

        Assert.Equal(1, await Dispatcher(rejecting, skipping).RunPassAsync(0));

        var dead = await _outbox.FindAsync(id);
        Assert.Equal(OutboxStatus.Dead, dead!.Status);
        Assert.Equal(["!wechat", "sms"], dead.Done);
        Assert.Equal(1, dead.Attempts);
    }

    [Fact]
    public async Task A_throwing_channel_is_retried_like_retry_later_and_the_channel_sees_the_stable_id_and_count()
    {
        var calls = 0;
        var channel = new RecordingChannel("push", _time) { Answer = _ => ++calls == 1 ? throw new HttpRequestException("down") : ChannelOutcome.Delivered };
        var dispatcher = Dispatcher(channel);
        var id = await EnqueueAsync();

        await dispatcher.RunPassAsync(0);
        Assert.Contains("down", (await _outbox.FindAsync(id))!.LastError, StringComparison.Ordinal);
        _time.Advance(TimeSpan.FromSeconds(10));
        await dispatcher.RunPassAsync(0);

        Assert.Equal([id, id], channel.Calls.Select(c => c.Notification.Id));
        var last = channel.Calls.Last().Notification;
        Assert.Equal(("bob", "dm:alice:bob", 1, "Alice"), (last.UserId, last.ConversationId, last.Count, last.SenderName));
        Assert.Equal(OutboxStatus.Sent, (await _outbox.FindAsync(id))!.Status);
    }

    public void Dispose() => _services.Dispose();
}
