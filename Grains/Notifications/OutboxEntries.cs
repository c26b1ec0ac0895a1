using System.IO.Hashing;
using System.Text;
using System.Text.Json;

namespace OrleansChat.Grains.Notifications;

/// <summary>How outbox entries are keyed, sharded, coalesced and read back: the rules every backend shares.</summary>
public static class OutboxEntries
{
    /// <summary>Prefix of a <see cref="OutboxEntry.Done"/> name whose target refused the entry for good.</summary>
    public const string RejectedMark = "!";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>
    /// The id of the one notification of <paramref name="userId"/> about <paramref name="conv"/> in the coalescing window
    /// holding <paramref name="at"/>: windows are fixed slices of time, so every silo computes the same id for the same
    /// message, and a retried enqueue (or a second message of the window) lands on the same entry.
    /// </summary>
    public static string UserNotificationId(string userId, string conv, DateTimeOffset at, TimeSpan window)
    {
        var slice = at.ToUnixTimeMilliseconds() / Math.Max(1, (long)window.TotalMilliseconds);
        return $"n:{userId}:{conv}:{slice}";
    }

    /// <summary>
    /// The worker shard of <paramref name="key"/> (the user id of a user notification, so one worker sees all of a
    /// user's; the event id of a webhook): a stable hash, the same on every silo and across restarts.
    /// </summary>
    public static int ShardOf(string key, int shards) =>
        (int)(XxHash32.HashToUInt32(Encoding.UTF8.GetBytes(key)) % (uint)Math.Max(1, shards));

    /// <summary>Truncated to the millisecond: what every backend stores.</summary>
    public static DateTimeOffset ToMs(DateTimeOffset at) => DateTimeOffset.FromUnixTimeMilliseconds(at.ToUnixTimeMilliseconds());

    /// <summary>
    /// Entries with one id merged into one, in order: a user entry absorbs the other messages (<see cref="Absorb"/>; the
    /// same message twice counts once); a webhook entry keeps the first.
    /// </summary>
    public static IReadOnlyList<OutboxEntry> Merge(IReadOnlyList<OutboxEntry> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var merged = new Dictionary<string, OutboxEntry>(entries.Count, StringComparer.Ordinal);
        var order = new List<string>(entries.Count);
        foreach (var entry in entries)
        {
            if (!merged.TryGetValue(entry.Id, out var known))
            {
                merged[entry.Id] = entry;
                order.Add(entry.Id);
            }
            else if (entry.Kind == OutboxEntryKind.User && entry.LastSeq != known.LastSeq)
            {
                merged[entry.Id] = Absorb(known, entry);
            }
        }

        return [.. order.Select(id => merged[id])];
    }

    /// <summary>
    /// <paramref name="stored"/> with <paramref name="message"/> counted in: the count adds up, and the newest of the two
    /// (by seq) gives the payload, last seq and last time. Messages reach the outbox in about seq order, not exactly
    /// (one-way calls, batches): an older one still counts. The caller has checked that <paramref name="message"/> is not
    /// the entry's last message again (a retried write of the same batch), which is what keeps a retry from counting twice.
    /// </summary>
    public static OutboxEntry Absorb(OutboxEntry stored, OutboxEntry message)
    {
        ArgumentNullException.ThrowIfNull(stored);
        ArgumentNullException.ThrowIfNull(message);
        var newer = message.LastSeq > stored.LastSeq;
        return stored with
        {
            Count = stored.Count + message.Count,
            LastSeq = newer ? message.LastSeq : stored.LastSeq,
            LastAt = ToMs(newer ? message.LastAt : stored.LastAt),
            Payload = newer ? message.Payload : stored.Payload,
        };
    }

    public static string ToJson(UserNotificationPayload payload) => JsonSerializer.Serialize(payload, Json);

    /// <summary>The notification a channel is given for a user entry: the stored payload with the entry's id, count and last time.</summary>
    public static UserNotification ToUserNotification(OutboxEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var payload = JsonSerializer.Deserialize<UserNotificationPayload>(entry.Payload, Json)
            ?? throw new InvalidOperationException($"outbox entry {entry.Id} has no payload");
        return new UserNotification(
            entry.Id, payload.UserId, payload.ConversationId, payload.IsRoom, payload.Title, payload.SenderName, payload.Preview, entry.Count, entry.LastAt);
    }
}

/// <summary>What a user entry stores besides its count and times: the newest message's conversation, title, sender and (when configured) preview.</summary>
public sealed record UserNotificationPayload(string UserId, string ConversationId, bool IsRoom, string Title, string SenderName, string? Preview);
