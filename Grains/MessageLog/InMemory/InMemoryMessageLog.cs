using OrleansChat.Model;

namespace OrleansChat.Grains.MessageLog.InMemory;

/// <summary>
/// The embedded default: every conversation in process memory, gone when the process ends. A log only grows, so
/// everything it keeps survives every GC: kept as objects (about 1 KB of message, strings and index entries per
/// message), the private-message benchmark's gen0 collections each promoted 5-18 MB of them and paused 20-43 ms
/// (6-10 ms with nothing kept). So messages are kept as bytes in a <see cref="MessageArena"/> of large chunks that
/// collections neither copy nor scan, indexed per conversation by value types only: seq → position in a sorted
/// array, and resends by a 128-bit hash of (sender id, client id) → position, verified against the stored message.
/// </summary>
public sealed class InMemoryMessageLog : IMessageLog
{
    private readonly Dictionary<string, Conversation> _conversations = new(StringComparer.Ordinal);
    private readonly MessageArena _arena;
    private readonly Func<string, string, UInt128> _idempotencyKey;
    private readonly Lock _lock = new();

    public InMemoryMessageLog()
        : this(MessageArena.DefaultChunkSize, IdempotencyKey.Of)
    {
    }

    /// <param name="chunkSize">The arena's chunk size; small only in tests, to cross chunk boundaries.</param>
    /// <param name="idempotencyKey">The resend key of (sender id, client id); replaced only in tests, to force collisions.</param>
    internal InMemoryMessageLog(int chunkSize, Func<string, string, UInt128> idempotencyKey)
    {
        _arena = new MessageArena(chunkSize);
        _idempotencyKey = idempotencyKey;
    }

    public Task<AppendResult> AppendAsync(ChatMessage message, CancellationToken cancellationToken = default)
    {
        // Sized and hashed outside the lock; sizing also refuses a body kind the codec cannot store.
        var size = StoredMessageCodec.SizeOf(message);
        UInt128? key = message.ClientId is null ? null : _idempotencyKey(message.From.Id, message.ClientId);
        lock (_lock)
        {
            var conversation = GetOrAdd(message.Conv);
            var freeKey = default(UInt128);
            if (key is { } hash && FindResend(conversation, message, hash, out var original, out freeKey))
            {
                return Task.FromResult(new AppendResult(original, Duplicate: true));
            }

            if (conversation.BySeq.TryFind(message.Seq, out var existingPosition))
            {
                var existing = Read(conversation, existingPosition);
                return existing == message
                    ? Task.FromResult(new AppendResult(existing, Duplicate: true))
                    : throw new SequenceConflictException(message.Conv, message.Seq);
            }

            StoredMessageCodec.Write(message, _arena.Allocate(size, out var position));
            conversation.BySeq.Insert(message.Seq, position);
            if (key is not null)
            {
                conversation.ByIdempotencyKey.Add(freeKey, position);
            }

            return Task.FromResult(new AppendResult(message, Duplicate: false));
        }
    }

    /// <summary>A plain loop over <see cref="AppendAsync"/>: each append is already a lock and a copy, there is no round trip to save.</summary>
    public Task<IReadOnlyList<AppendOutcome>> AppendBatchAsync(IReadOnlyList<ChatMessage> messages, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var outcomes = new AppendOutcome[messages.Count];
        var holes = new SeqHoles();
        for (var i = 0; i < messages.Count; i++)
        {
            var message = messages[i];
            outcomes[i] = holes.Blocks(message) ? AppendOutcome.Aborted(message) : AppendOne(message);
            if (outcomes[i].LeavesSeqUnused(message))
            {
                holes.Add(message);
            }
        }

        return Task.FromResult<IReadOnlyList<AppendOutcome>>(outcomes);
    }

    public Task<MessagePage> ReadBeforeAsync(string conv, long? beforeSeq, int limit, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            if (!_conversations.TryGetValue(conv, out var conversation) || limit <= 0)
            {
                return Task.FromResult(Empty);
            }

            var end = conversation.BySeq.FirstIndexAtOrAbove(beforeSeq ?? long.MaxValue);
            var start = Math.Max(0, end - limit);
            return Task.FromResult(new MessagePage(ReadRange(conversation, start, end), More: start > 0));
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

            var start = conversation.BySeq.FirstIndexAbove(afterSeq);
            var end = (int)Math.Min(conversation.BySeq.Count, (long)start + limit);
            return Task.FromResult(new MessagePage(ReadRange(conversation, start, end), More: end < conversation.BySeq.Count));
        }
    }

    /// <summary>
    /// Rewrites the message in its own slot: the erased encoding is never longer (its body has no fields), and the
    /// rest of the slot is zeroed, so the content's bytes are gone from memory, not just unreferenced.
    /// </summary>
    public Task<bool> EraseAsync(string conv, long seq, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            if (!_conversations.TryGetValue(conv, out var conversation) || !conversation.BySeq.TryFind(seq, out var position))
            {
                return Task.FromResult(false);
            }

            var stored = Read(conversation, position);
            var erased = stored with { Body = new RecalledBody() };
            var slot = _arena.Rewrite(position, StoredMessageCodec.SizeOf(stored));
            slot.Clear();
            StoredMessageCodec.Write(erased, slot[..StoredMessageCodec.SizeOf(erased)]);
            return Task.FromResult(true);
        }
    }

    public Task<long> GetLastSeqAsync(string conv, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            return Task.FromResult(_conversations.TryGetValue(conv, out var conversation) ? conversation.BySeq.LastSeq : 0);
        }
    }

    private static MessagePage Empty { get; } = new([], More: false);

    private AppendOutcome AppendOne(ChatMessage message)
    {
        try
        {
            return AppendOutcome.Of(AppendAsync(message).GetAwaiter().GetResult());
        }
        catch (Exception e) when (e is SequenceConflictException or ChatException or ArgumentException)
        {
            return AppendOutcome.Failed(e);
        }
    }

    /// <summary>
    /// Looks for a stored message of this sender and client id. A hash hit is verified against the stored message;
    /// on a collision the next key is tried, so colliding pairs sit at consecutive keys and none is ever dropped.
    /// <paramref name="freeKey"/> is where this pair goes when it is new.
    /// </summary>
    private bool FindResend(Conversation conversation, ChatMessage message, UInt128 key, out ChatMessage original, out UInt128 freeKey)
    {
        for (freeKey = key; conversation.ByIdempotencyKey.TryGetValue(freeKey, out var position); freeKey++)
        {
            original = Read(conversation, position);
            if (original.From.Id == message.From.Id && original.ClientId == message.ClientId)
            {
                return true;
            }
        }

        original = message;
        return false;
    }

    private List<ChatMessage> ReadRange(Conversation conversation, int start, int end)
    {
        var senders = new PageSenders();
        var page = new List<ChatMessage>(end - start);
        for (var index = start; index < end; index++)
        {
            page.Add(StoredMessageCodec.Read(_arena.At(conversation.BySeq.PositionAt(index)), conversation.Conv, senders));
        }

        return page;
    }

    private ChatMessage Read(Conversation conversation, long position) =>
        StoredMessageCodec.Read(_arena.At(position), conversation.Conv);

    private Conversation GetOrAdd(string conv)
    {
        if (!_conversations.TryGetValue(conv, out var conversation))
        {
            conversation = new Conversation(conv);
            _conversations.Add(conv, conversation);
        }

        return conversation;
    }

    private sealed class Conversation(string conv)
    {
        public string Conv { get; } = conv;

        public SeqIndex BySeq { get; } = new();

        /// <summary>Hash of (sender id, client id) → position; colliding pairs at consecutive keys (see FindResend).</summary>
        public Dictionary<UInt128, long> ByIdempotencyKey { get; } = [];
    }
}
