using System.Diagnostics.Metrics;
using System.Security.Cryptography;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using OrleansChat.Grains.Notifications;
using OrleansChat.Grains.Notifications.InMemory;
using OrleansChat.Grains.Notifications.Webhooks;

namespace OrleansChat.Tests.Notifications;

/// <summary>Bad notification settings are refused with a message naming them; the metrics count what the workers do.</summary>
public sealed class NotificationOptionsTests
{
    private static readonly string Secret = "whsec_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    private static string[] FailuresOf(Dictionary<string, string?> settings)
    {
        var options = new ConfigurationBuilder().AddInMemoryCollection(settings).Build()
            .GetSection(NotificationOptions.SectionName).Get<NotificationOptions>() ?? new NotificationOptions();
        var result = new NotificationOptionsValidation().Validate(null, options);
        return result.Failed ? [.. result.Failures!] : [];
    }

    [Fact]
    public void The_defaults_are_valid_and_follow_the_issue()
    {
        var options = new NotificationOptions();

        Assert.Empty(FailuresOf([]));
        Assert.Equal(TimeSpan.FromMinutes(5), options.CoalesceWindow);
        Assert.Equal([TimeSpan.FromSeconds(10), TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(30), TimeSpan.FromHours(2)], options.EffectiveRetrySchedule);
        Assert.Equal(TimeSpan.FromSeconds(5), options.Webhooks.Timeout);
        Assert.Equal(TimeSpan.FromMinutes(2), options.ClaimLease);
        Assert.False(options.Webhooks.Enabled);
    }

    [Theory]
    [InlineData("Notifications:Webhooks:Urls:0", "https://hooks.example.com/x", "Secrets: one secret")]
    [InlineData("Notifications:Webhooks:Urls:0", "http://hooks.example.com/x", "must be an absolute https URL")]
    [InlineData("Notifications:Webhooks:Secrets:0", "not-a-secret", "'whsec_' and base64")]
    [InlineData("Notifications:Webhooks:Events:0", "message.deleted", "unknown event 'message.deleted'")]
    [InlineData("Notifications:Shards", "0", "Notifications:Shards must be 1-1024")]
    [InlineData("Notifications:CoalesceWindow", "00:00:00", "Notifications:CoalesceWindow must be at least 1 second")]
    [InlineData("Notifications:RetrySchedule:0", "-00:00:01", "every wait must be positive")]
    [InlineData("Notifications:ClaimLease", "00:00:00.500", "Notifications:ClaimLease must be at least 1 second")]
    public void A_bad_setting_is_refused_by_name(string key, string value, string failure)
    {
        Assert.Contains(FailuresOf(new() { [key] = value }), f => f.Contains(failure, StringComparison.Ordinal));
    }

    [Fact]
    public void The_claim_lease_must_outlast_a_pass_through_every_webhook_url()
    {
        Dictionary<string, string?> settings = new()
        {
            ["Notifications:Webhooks:Urls:0"] = "https://a.example.com/hook",
            ["Notifications:Webhooks:Urls:1"] = "https://b.example.com/hook",
            ["Notifications:Webhooks:Secrets:0"] = Secret,
            ["Notifications:ClaimLease"] = "00:00:10",
        };

        Assert.Contains(FailuresOf(settings), f => f.Contains("longer than a pass (Webhooks:Timeout x webhook URLs = 00:00:10)", StringComparison.Ordinal));
        settings["Notifications:ClaimLease"] = "00:00:11";
        Assert.Empty(FailuresOf(settings));
    }

    [Fact]
    public void Loopback_http_and_two_secrets_are_accepted()
    {
        Assert.Empty(FailuresOf(new()
        {
            ["Notifications:Webhooks:Urls:0"] = "http://127.0.0.1:8080/hook",
            ["Notifications:Webhooks:Urls:1"] = "https://hooks.example.com/x",
            ["Notifications:Webhooks:Secrets:0"] = Secret,
            ["Notifications:Webhooks:Secrets:1"] = Secret,
        }));
    }

    [Fact]
    public async Task The_workers_count_sent_failed_and_dead_deliveries_and_the_latency()
    {
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var measurements = new List<(string Name, double Value, string? Target)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == OrleansChat.Grains.ChatMetrics.MeterName && instrument.Name.StartsWith("orleanschat.notifications.", StringComparison.Ordinal))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((i, v, tags, _) => measurements.Add((i.Name, v, TargetOf(tags))));
        listener.SetMeasurementEventCallback<double>((i, v, tags, _) => measurements.Add((i.Name, v, TargetOf(tags))));
        listener.Start();
        var time = new FakeTimeProvider(DateTimeOffset.FromUnixTimeMilliseconds(1_764_000_000_000));
        var outbox = new InMemoryNotificationOutbox();
        var options = Options.Create(new NotificationOptions { RetrySchedule = [TimeSpan.FromSeconds(1)] });
        var good = new RecordingChannel("good", time);
        var bad = new RecordingChannel("bad", time) { Answer = _ => ChannelOutcome.RetryLater };
        var dispatcher = new NotificationDispatcher(outbox, [good, bad], new WebhookSender(new PlainHttpClientFactory(), options, time), options, time,
            new NotificationMetrics(services.GetRequiredService<IMeterFactory>()), NullLogger<NotificationDispatcher>.Instance);
        var payload = OutboxEntries.ToJson(new UserNotificationPayload("u", "dm:a:u", false, "A", "A", null));
        await outbox.EnqueueAsync([new OutboxEntry("n:u:dm:a:u:1", OutboxEntryKind.User, 0, payload, 1, 1, time.GetUtcNow(), time.GetUtcNow(), time.GetUtcNow())]);

        time.Advance(TimeSpan.FromMilliseconds(250));
        await dispatcher.RunPassAsync(0);
        time.Advance(TimeSpan.FromSeconds(1));
        await dispatcher.RunPassAsync(0);

        Assert.Equal([("orleanschat.notifications.sent", 1, "good")], measurements.Where(m => m.Name.EndsWith(".sent", StringComparison.Ordinal)));
        Assert.Equal([("orleanschat.notifications.latency", 250, "good")], measurements.Where(m => m.Name.EndsWith(".latency", StringComparison.Ordinal)));
        Assert.Equal(2, measurements.Count(m => m == ("orleanschat.notifications.failed", 1, "bad")));
        Assert.Equal([("orleanschat.notifications.dead", 1, "bad")], measurements.Where(m => m.Name.EndsWith(".dead", StringComparison.Ordinal)));
    }

    private static string? TargetOf(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        foreach (var tag in tags)
        {
            if (tag.Key == NotificationMetrics.TargetTag)
            {
                return tag.Value as string;
            }
        }

        return null;
    }
}
