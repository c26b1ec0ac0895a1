using System.Globalization;
using System.Text;
using Microsoft.Extensions.Options;
using StandardWebhooks;

namespace OrleansChat.Grains.Notifications.Webhooks;

/// <summary>
/// Posts one outbox entry to one endpoint as a Standard Webhooks request: <c>webhook-id</c> (the entry's stable id,
/// what a receiver dedupes on), <c>webhook-timestamp</c> (Unix seconds of this attempt) and <c>webhook-signature</c>
/// (HMAC-SHA256 by the StandardWebhooks package, one <c>v1,...</c> per configured secret, so receivers holding either
/// secret of a rotation verify it). A 2xx answer is delivered; any other answer, a timeout or a network error is
/// retried on the outbox's schedule, as the specification recommends.
/// </summary>
public sealed class WebhookSender
{
    /// <summary>The named client of <see cref="IHttpClientFactory"/>.</summary>
    public const string HttpClientName = "OrleansChat.Webhooks";

    private readonly IHttpClientFactory _http;
    private readonly TimeProvider _time;
    private readonly TimeSpan _timeout;
    private readonly StandardWebhook[] _signers;

    public WebhookSender(IHttpClientFactory http, IOptions<NotificationOptions> options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        (_http, _time, _timeout) = (http, time, options.Value.Webhooks.Timeout);
        _signers = [.. (options.Value.Webhooks.Secrets ?? []).Select(secret =>
            WebhookSecret.TryDecode(secret, out var key) ? new StandardWebhook(key) : throw new InvalidOperationException("a webhook secret is not 'whsec_' + base64"))];
    }

    /// <summary>The <c>webhook-signature</c> value for <paramref name="id"/>, <paramref name="timestamp"/> and <paramref name="payload"/>.</summary>
    public string Sign(string id, DateTimeOffset timestamp, string payload) =>
        string.Join(' ', _signers.Select(signer => signer.Sign(id, timestamp, payload)));

    public async Task<TargetResult> PostAsync(string url, OutboxEntry entry, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var timestamp = _time.GetUtcNow();
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(entry.Payload, Encoding.UTF8, "application/json") };
        request.Headers.Add("webhook-id", entry.Id);
        request.Headers.Add("webhook-timestamp", timestamp.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture));
        request.Headers.Add("webhook-signature", Sign(entry.Id, timestamp, entry.Payload));
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_timeout);
        try
        {
            using var response = await _http.CreateClient(HttpClientName).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            return response.IsSuccessStatusCode
                ? new(ChannelOutcome.Delivered)
                : new(ChannelOutcome.RetryLater, $"HTTP {(int)response.StatusCode}");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new(ChannelOutcome.RetryLater, $"no answer within {_timeout.TotalSeconds:0.#} s");
        }
        catch (HttpRequestException e)
        {
            return new(ChannelOutcome.RetryLater, e.Message);
        }
    }
}

/// <summary>What one delivery to one target came to, and why when it failed (kept as the entry's last error).</summary>
public readonly record struct TargetResult(ChannelOutcome Outcome, string? Detail = null);
