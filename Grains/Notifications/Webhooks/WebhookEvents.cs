using System.Text.Json;
using OrleansChat.Model;

namespace OrleansChat.Grains.Notifications.Webhooks;

/// <summary>
/// The webhook events as outbox entries: <c>{"type", "timestamp", "data"}</c> per the Standard Webhooks payload
/// convention, serialised once here (the stored payload is exactly the signed body). The id names the event itself
/// (the message's conversation and seq; the request's or join's conversation, user and time), so an event queued twice
/// is one entry and one <c>webhook-id</c>.
/// </summary>
public sealed class WebhookEvents(NotificationOptions options, TimeProvider time)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull };

    /// <summary><c>message.created</c>: metadata only, unless <c>Notifications:Webhooks:IncludeText</c>.</summary>
    public OutboxEntry MessageCreated(ChatMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var text = options.Webhooks.IncludeText && message.Body is TextBody t ? t.Text : null;
        var mentions = message.Body is TextBody { Mentions.Count: > 0 } m ? m.Mentions : null;
        var data = new MessageCreatedData(message.Conv, message.Seq, message.Ts, new(message.From.Id, message.From.Name), KindOf(message.Body), text, mentions);
        return Entry(WebhookEventTypes.MessageCreated, $"{message.Conv}:{message.Seq}", data, message.Ts);
    }

    /// <summary><c>dm.requested</c>: <paramref name="from"/> asked <paramref name="to"/> for a private chat.</summary>
    public OutboxEntry DmRequested(string conv, UserProfile from, string to, long ts)
    {
        ArgumentNullException.ThrowIfNull(from);
        return Entry(WebhookEventTypes.DmRequested, $"{conv}:{from.Id}:{ts}", new DmRequestedData(conv, new(from.Id, from.Name), to), ts);
    }

    /// <summary><c>room.member_joined</c>.</summary>
    public OutboxEntry RoomMemberJoined(string room, UserProfile user, long ts)
    {
        ArgumentNullException.ThrowIfNull(user);
        return Entry(WebhookEventTypes.RoomMemberJoined, $"{room}:{user.Id}:{ts}", new MemberJoinedData(room, ConversationId.ForRoom(room), new(user.Id, user.Name)), ts);
    }

    private OutboxEntry Entry<T>(string type, string key, T data, long ts)
    {
        var id = $"{type}:{key}";
        var at = DateTimeOffset.FromUnixTimeMilliseconds(ts);
        var payload = JsonSerializer.Serialize(new WebhookPayload<T>(type, at, data), Json);
        var now = time.GetUtcNow();
        return new OutboxEntry(id, OutboxEntryKind.Webhook, OutboxEntries.ShardOf(id, options.Shards), payload, 1, 0, at, now, now);
    }

    private static string KindOf(MessageBody body) => body switch
    {
        TextBody => "text",
        ImageBody => "image",
        AudioBody => "audio",
        _ => "other",
    };

    private sealed record WebhookPayload<T>(string Type, DateTimeOffset Timestamp, T Data);

    private sealed record Actor(string Id, string Name);

    private sealed record MessageCreatedData(string Conv, long Seq, long Ts, Actor From, string Kind, string? Text, IReadOnlyList<string>? Mentions);

    private sealed record DmRequestedData(string Conv, Actor From, string To);

    private sealed record MemberJoinedData(string Room, string Conv, Actor User);
}
