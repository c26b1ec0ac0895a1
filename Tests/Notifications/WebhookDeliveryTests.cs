using System.Diagnostics.Metrics;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using OrleansChat.Grains.Notifications;
using OrleansChat.Grains.Notifications.InMemory;
using OrleansChat.Grains.Notifications.Webhooks;
using OrleansChat.Model;
using static OrleansChat.Tests.Notifications.WebhookReceiver;

namespace OrleansChat.Tests.Notifications;

/// <summary>
/// Signed webhooks through the outbox's worker to a real local endpoint: signatures checked independently for both
/// secrets of a rotation, failures (500, no answer within the timeout) retried on the fake clock under the same id.
/// </summary>
public sealed class WebhookDeliveryTests : IAsyncLifetime
{
    private static readonly string OldSecret = NewSecret();
    private static readonly string NewSecretValue = NewSecret();

    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private readonly InMemoryNotificationOutbox _outbox = new();
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private WebhookReceiver _receiver = null!;
    private NotificationOptions _options = null!;

    public async Task InitializeAsync()
    {
        _receiver = await WebhookReceiver.StartAsync(NewSecretValue, OldSecret);
        _options = new NotificationOptions
        {
            Webhooks = new WebhookOptions { Urls = [_receiver.Url], Secrets = [NewSecretValue, OldSecret], Timeout = TimeSpan.FromSeconds(5) },
        };
    }

    public async Task DisposeAsync()
    {
        await _receiver.DisposeAsync();
        await _services.DisposeAsync();
    }

    private static string NewSecret() => "whsec_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    private NotificationDispatcher Dispatcher()
    {
        var options = Options.Create(_options);
        return new NotificationDispatcher(_outbox, [], new WebhookSender(new PlainHttpClientFactory(), options, _time), options, _time,
            new NotificationMetrics(_services.GetRequiredService<IMeterFactory>()), NullLogger<NotificationDispatcher>.Instance);
    }

    private async Task<OutboxEntry> EnqueueMessageCreatedAsync(string text = "secret words")
    {
        var message = new ChatMessage("room:lobby", 7, _time.GetUtcNow().ToUnixTimeMilliseconds(), new UserProfile("alice", "Alice", null), new TextBody(text, ["bob"]), "c-1");
        var entry = new WebhookEvents(_options, _time).MessageCreated(message) with { Shard = 0 };
        await _outbox.EnqueueAsync([entry]);
        return entry;
    }

    [Fact]
    public async Task A_delivery_is_signed_with_both_secrets_and_carries_metadata_only()
    {
        var entry = await EnqueueMessageCreatedAsync();

        Assert.Equal(1, await Dispatcher().RunPassAsync(0));

        var received = Assert.Single(_receiver.Requests);
        Assert.True(received.SignedByEverySecret);
        Assert.Equal(2, received.Signatures.Length);
        Assert.Equal(entry.Id, received.Id);
        Assert.Equal(_time.GetUtcNow().ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture), received.Timestamp);
        using var body = JsonDocument.Parse(received.Body);
        Assert.Equal("message.created", body.RootElement.GetProperty("type").GetString());
        var data = body.RootElement.GetProperty("data");
        Assert.Equal(("room:lobby", 7, "alice", "text"), (data.GetProperty("conv").GetString(), data.GetProperty("seq").GetInt64(),
            data.GetProperty("from").GetProperty("id").GetString(), data.GetProperty("kind").GetString()));
        Assert.False(data.TryGetProperty("text", out _)); // metadata only unless IncludeText
        Assert.DoesNotContain("secret words", received.Body, StringComparison.Ordinal);
        Assert.Equal(OutboxStatus.Sent, (await _outbox.FindAsync(entry.Id))!.Status);
    }

    [Fact]
    public async Task A_signature_made_with_another_secret_does_not_verify()
    {
        var sender = new WebhookSender(new PlainHttpClientFactory(), Options.Create(new NotificationOptions
        {
            Webhooks = new WebhookOptions { Urls = [_receiver.Url], Secrets = [NewSecret()] },
        }), _time);
        var entry = await EnqueueMessageCreatedAsync();

        Assert.Equal(ChannelOutcome.Delivered, (await sender.PostAsync(_receiver.Url, entry, CancellationToken.None)).Outcome);

        Assert.False(Assert.Single(_receiver.Requests).SignedByEverySecret);
    }

    [Fact]
    public async Task A_500_is_retried_after_10_seconds_under_the_same_id()
    {
        var entry = await EnqueueMessageCreatedAsync();
        _receiver.Next = _ => _receiver.Requests.Count == 1 ? Behaviour.Fail : Behaviour.Accept;
        var dispatcher = Dispatcher();

        Assert.Equal(0, await dispatcher.RunPassAsync(0));
        var failed = await _outbox.FindAsync(entry.Id);
        Assert.Equal((OutboxStatus.Pending, 1), (failed!.Status, failed.Attempts));
        Assert.Contains("HTTP 500", failed.LastError, StringComparison.Ordinal);
        _time.Advance(TimeSpan.FromSeconds(9));
        Assert.Equal(0, await dispatcher.RunPassAsync(0));
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(1, await dispatcher.RunPassAsync(0));

        Assert.Equal([entry.Id, entry.Id], _receiver.Requests.Select(r => r.Id));
        Assert.All(_receiver.Requests, r => Assert.True(r.SignedByEverySecret));
        Assert.Single(_receiver.Accepted);
    }

    [Fact]
    public async Task No_answer_within_the_timeout_is_a_failure_retried_on_the_schedule()
    {
        var entry = await EnqueueMessageCreatedAsync();
        _receiver.Next = _ => _receiver.Requests.Count == 1 ? Behaviour.Stall : Behaviour.Accept;
        var dispatcher = Dispatcher();

        await dispatcher.RunPassAsync(0);
        Assert.Contains("no answer within 5 s", (await _outbox.FindAsync(entry.Id))!.LastError, StringComparison.Ordinal);
        _time.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(1, await dispatcher.RunPassAsync(0));
        Assert.Equal(OutboxStatus.Sent, (await _outbox.FindAsync(entry.Id))!.Status);
    }

    [Fact]
    public async Task An_endpoint_failing_every_time_is_dead_lettered_after_the_last_wait()
    {
        var entry = await EnqueueMessageCreatedAsync();
        _receiver.Next = _ => Behaviour.Fail;
        var dispatcher = Dispatcher();

        await dispatcher.RunPassAsync(0);
        foreach (var wait in NotificationOptions.DefaultRetrySchedule)
        {
            _time.Advance(wait);
            await dispatcher.RunPassAsync(0);
        }

        Assert.Equal(6, _receiver.Requests.Count);
        var dead = await _outbox.FindAsync(entry.Id);
        Assert.Equal((OutboxStatus.Dead, 6), (dead!.Status, dead.Attempts));
        Assert.Empty(_receiver.Accepted);
    }

    [Fact]
    public async Task IncludeText_puts_the_text_and_mentions_in_message_created()
    {
        _options.Webhooks.IncludeText = true;
        await EnqueueMessageCreatedAsync("hello @bob");

        await Dispatcher().RunPassAsync(0);

        using var body = JsonDocument.Parse(Assert.Single(_receiver.Requests).Body);
        var data = body.RootElement.GetProperty("data");
        Assert.Equal("hello @bob", data.GetProperty("text").GetString());
        Assert.Equal("bob", data.GetProperty("mentions")[0].GetString());
    }
}
