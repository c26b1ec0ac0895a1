using System.Net;
using Microsoft.Extensions.Options;

namespace OrleansChat.Grains.Notifications;

/// <summary>Refuses <see cref="NotificationOptions"/> that cannot work, when the silo starts rather than at the first notification.</summary>
public sealed class NotificationOptionsValidation : IValidateOptions<NotificationOptions>
{
    public ValidateOptionsResult Validate(string? name, NotificationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        List<string> failures = [];
        Require(failures, options.CoalesceWindow >= TimeSpan.FromSeconds(1), $"Notifications:CoalesceWindow must be at least 1 second, not {options.CoalesceWindow}");
        Require(failures, options.Shards is >= 1 and <= 1024, $"Notifications:Shards must be 1-1024, not {options.Shards}");
        Require(failures, options.PollInterval >= TimeSpan.FromMilliseconds(100), $"Notifications:PollInterval must be at least 100 ms, not {options.PollInterval}");
        var longestPass = options.Webhooks.Timeout * (options.Webhooks.Urls?.Length ?? 0); // a webhook entry tries each URL in turn
        Require(failures, options.ClaimLease >= TimeSpan.FromSeconds(1) && options.ClaimLease > longestPass,
            $"Notifications:ClaimLease must be at least 1 second and longer than a pass (Webhooks:Timeout x webhook URLs = {longestPass}), not {options.ClaimLease}");
        Require(failures, options.BatchSize is >= 1 and <= 1000, $"Notifications:BatchSize must be 1-1000, not {options.BatchSize}");
        Require(failures, options.RetrySchedule is null || options.RetrySchedule.All(t => t > TimeSpan.Zero), "Notifications:RetrySchedule: every wait must be positive");
        Require(failures, options.SentRetention >= options.CoalesceWindow, "Notifications:SentRetention must be at least the CoalesceWindow (a later message of a window finds its sent entry)");
        Require(failures, options.DeadRetention > TimeSpan.Zero, "Notifications:DeadRetention must be positive");
        ValidateWebhooks(failures, options.Webhooks);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void ValidateWebhooks(List<string> failures, WebhookOptions webhooks)
    {
        foreach (var url in webhooks.Urls ?? [])
        {
            Require(failures, IsAllowedUrl(url), $"Notifications:Webhooks:Urls: '{url}' must be an absolute https URL (http only on a loopback host)");
        }

        if (webhooks.Enabled)
        {
            Require(failures, webhooks.Secrets is { Length: 1 or 2 }, "Notifications:Webhooks:Secrets: one secret, or two during a rotation, is required when Urls are set");
        }

        foreach (var secret in webhooks.Secrets ?? [])
        {
            Require(failures, WebhookSecret.TryDecode(secret, out _), "Notifications:Webhooks:Secrets: each must be 'whsec_' and base64 of 24-64 bytes");
        }

        Require(failures, webhooks.Timeout > TimeSpan.Zero && webhooks.Timeout <= TimeSpan.FromMinutes(1), $"Notifications:Webhooks:Timeout must be within (0, 1 min], not {webhooks.Timeout}");
        foreach (var type in webhooks.Events ?? [])
        {
            Require(failures, WebhookOptions.AllEvents.Contains(type), $"Notifications:Webhooks:Events: unknown event '{type}' (known: {string.Join(", ", WebhookOptions.AllEvents)})");
        }
    }

    private static bool IsAllowedUrl(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri)
        && (uri.Scheme == Uri.UriSchemeHttps || (uri.Scheme == Uri.UriSchemeHttp && (uri.IsLoopback || IPAddress.TryParse(uri.Host, out var ip) && IPAddress.IsLoopback(ip))));

    private static void Require(List<string> failures, bool holds, string failure)
    {
        if (!holds)
        {
            failures.Add(failure);
        }
    }
}

/// <summary>The <c>whsec_</c> secret format of Standard Webhooks.</summary>
public static class WebhookSecret
{
    public const string Prefix = "whsec_";

    public static bool TryDecode(string secret, out byte[] key)
    {
        key = [];
        if (secret is null || !secret.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return false;
        }

        try
        {
            key = Convert.FromBase64String(secret[Prefix.Length..]);
        }
        catch (FormatException)
        {
            return false;
        }

        return key.Length is >= 24 and <= 64;
    }
}
