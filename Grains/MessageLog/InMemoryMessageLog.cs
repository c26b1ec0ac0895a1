using OrleansChat.Model;

namespace OrleansChat.Grains.MessageLog;

/// <summary>
/// The embedded default: every conversation in process memory, gone when the process ends. A log only grows, so
/// every message survives every GC: it keeps one sender profile per sender rather than a copy per message, and
/// indexes resends by the message's own strings, so a message costs a few objects, not twice as many.
/// </summary>
public sealed class InMemoryMessageLog : IMessageLog
{
    private readonly Dictionary<string, Conversation> _conversations = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    public Task<AppendResult> AppendAsync(ChatMessage message, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            var conversation = GetOrAdd(message.Conv);
            if (conversation.Sender(message.From) is var sender && !ReferenceEquals(sender, message.From))
            {
                message = message with { From = sender };
            }
            var idempotencyKey = IdempotencyKey(message);
            if (idempotencyKey is { } key && conversation.ByClientId.TryGetValue(key, out var original))
            {
                return Task.FromResult(new AppendResult(original, Duplicate: true));
            }

            if (conversation.BySeq.TryGetValue(message.Seq, out var existing))
            {
                return existing == message
                    ? Task.FromResult(new AppendResult(existing, Duplicate: true))
                    : throw new SequenceConflictException(message.Conv, message.Seq);
            }

            conversation.BySeq.Add(message.Seq, message);
            if (idempotencyKey is { } newKey)
            {
                conversation.ByClientId.Add(newKey, message);
            }

            return Task.FromResult(new AppendResult(message, Duplicate: false));
        }
    }

    public Task<MessagePage> ReadBeforeAsync(string conv, long? beforeSeq, int limit, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            if (!_conversations.TryGetValue(conv, out var conversation) || limit <= 0)
            {
                return Task.FromResult(Empty);
            }

            var upper = beforeSeq ?? long.MaxValue;
            var newestFirst = conversation.BySeq.Values.Reverse().SkipWhile(m => m.Seq >= upper).Take(limit + 1).ToList();
            var more = newestFirst.Count > limit;
            var page = newestFirst.Take(limit).Reverse().ToList();
            return Task.FromResult(new MessagePage(page, more));
        }
    }

    public Task<MessagePage> ReadAfterAsync(string conv, long afterSeq, int limit, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            if (!_conversations.TryGetValue(conv, out var conversation) || limit <= 0)
            {
                return Task.FromResult(Empty);
            }

            var oldestFirst = conversation.BySeq.Values.SkipWhile(m => m.Seq <= afterSeq).Take(limit + 1).ToList();
            var more = oldestFirst.Count > limit;
            return Task.FromResult(new MessagePage(oldestFirst.Take(limit).ToList(), more));
        }
    }

    public Task<long> GetLastSeqAsync(string conv, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            var last = _conversations.TryGetValue(conv, out var conversation) && conversation.BySeq.Count > 0
                ? conversation.BySeq.Keys[^1]
                : 0;
            return Task.FromResult(last);
        }
    }

    private static MessagePage Empty { get; } = new([], More: false);

    private static (string SenderId, string ClientId)? IdempotencyKey(ChatMessage message) =>
        message.ClientId is null ? null : (message.From.Id, message.ClientId);

    private Conversation GetOrAdd(string conv)
    {
        if (!_conversations.TryGetValue(conv, out var conversation))
        {
            conversation = new Conversation();
            _conversations.Add(conv, conversation);
        }

        return conversation;
    }

    private sealed class Conversation
    {
        public SortedList<long, ChatMessage> BySeq { get; } = [];

        public Dictionary<(string SenderId, string ClientId), ChatMessage> ByClientId { get; } = [];

        private Dictionary<UserProfile, UserProfile> Senders { get; } = [];

        /// <summary>The one instance kept for this sender profile (equal profiles share it).</summary>
        public UserProfile Sender(UserProfile profile)
        {
            if (Senders.TryGetValue(profile, out var kept))
            {
                return kept;
            }

            Senders.Add(profile, profile);
            return profile;
        }
    }
}
