namespace OrleansChat.Grains.Notifications;

/// <summary>
/// Offline notifications and webhooks, bound from <see cref="SectionName"/> (docs/architecture.md, "Offline
/// notifications"; README's configuration table). Checked at start by <see cref="NotificationOptionsValidation"/>.
/// </summary>
public sealed class NotificationOptions
{
    public const string SectionName = "Notifications";

    /// <summary>The schedule when none is configured: 10 s, 1 min, 5 min, 30 min, 2 h, then the dead letter.</summary>
    public static readonly IReadOnlyList<TimeSpan> DefaultRetrySchedule =
        [TimeSpan.FromSeconds(10), TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(30), TimeSpan.FromHours(2)];

    /// <summary>At most one notification per user per conversation in each window of this length, carrying the count of messages.</summary>
    public TimeSpan CoalesceWindow { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Worker shards (one grain each, spread over the silos). Entries keep the shard they were queued with: lowering it
    /// while entries are pending strands those of the removed shards until it is raised again.
    /// </summary>
    public int Shards { get; set; } = 8;

    /// <summary>How often every silo pokes every shard (which then reads its due entries, at most once per interval); retries wait at least this.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Waits after the 1st, 2nd, ... failed attempt; one more failure than it has entries makes the dead letter. Empty: <see cref="DefaultRetrySchedule"/>.</summary>
    public TimeSpan[]? RetrySchedule { get; set; }

    /// <summary>
    /// How long a pass holds the entries it claimed: no other worker gets them meanwhile (a silo declared dead that
    /// still runs, a duplicate activation while membership changes). An entry whose worker died is delivered again
    /// when it ends, so it bounds that delay; it must outlast a pass (every webhook URL's timeout in turn).
    /// </summary>
    public TimeSpan ClaimLease { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Entries one pass of a shard delivers at once (in parallel).</summary>
    public int BatchSize { get; set; } = 100;

    /// <summary>
    /// Whether a user notification carries a preview of the message text (at most 60 characters). Off by default: the
    /// outbox and the push services would otherwise hold message text the log may keep encrypted.
    /// </summary>
    public bool IncludePreview { get; set; }

    /// <summary>How long sent entries are kept (a later message of their window must still find them, so at least the window).</summary>
    public TimeSpan SentRetention { get; set; } = TimeSpan.FromDays(1);

    /// <summary>How long dead letters are kept for inspection.</summary>
    public TimeSpan DeadRetention { get; set; } = TimeSpan.FromDays(7);

    public WebhookOptions Webhooks { get; set; } = new();

    public IReadOnlyList<TimeSpan> EffectiveRetrySchedule => RetrySchedule is { Length: > 0 } schedule ? schedule : DefaultRetrySchedule;
}

/// <summary>Signed webhooks (Standard Webhooks), section <c>Notifications:Webhooks</c>. None are sent while <see cref="Urls"/> is empty.</summary>
public sealed class WebhookOptions
{
    public static readonly IReadOnlyList<string> AllEvents = [WebhookEventTypes.MessageCreated, WebhookEventTypes.DmRequested, WebhookEventTypes.RoomMemberJoined];

    /// <summary>Endpoints every event is posted to; https, or http on a loopback host only.</summary>
    public string[]? Urls { get; set; }

    /// <summary>
    /// Signing secrets, <c>whsec_</c> followed by base64 of 24 to 64 random bytes; the request carries one signature per
    /// secret, so during a rotation list the new and the old (at most two) and receivers accept either.
    /// </summary>
    public string[]? Secrets { get; set; }

    /// <summary>A slower answer counts as a failure and is retried.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Event types sent (default: all of <see cref="AllEvents"/>).</summary>
    public string[]? Events { get; set; }

    /// <summary>Whether <c>message.created</c> carries the message text; by default it is metadata only.</summary>
    public bool IncludeText { get; set; }

    public bool Enabled => Urls is { Length: > 0 };

    public bool Sends(string eventType) => Enabled && (Events is not { Length: > 0 } events ? AllEvents.Contains(eventType) : events.Contains(eventType));
}

/// <summary>The webhook event types (the payload's <c>type</c>).</summary>
public static class WebhookEventTypes
{
    public const string MessageCreated = "message.created";
    public const string DmRequested = "dm.requested";
    public const string RoomMemberJoined = "room.member_joined";
}
