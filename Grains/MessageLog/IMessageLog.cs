using OrleansChat.Model;

namespace OrleansChat.Grains.MessageLog;

/// <summary>
/// The durable record of every conversation: the truth that sequence numbers, history and sync come from.
/// One implementation per backend in a folder beside this file (InMemory/, Postgres/, Mongo/), and decorators
/// that wrap any of them (GroupCommit/, Encryption/);
/// every one passes the same conformance suite (Tests/MessageLog).
/// </summary>
public interface IMessageLog
{
    /// <summary>
    /// Stores <paramref name="message"/>. Idempotent: when a message with the same conversation, sender and
    /// (non-null) client id is already stored, nothing is written and that stored message comes back with
    /// <see cref="AppendResult.Duplicate"/> set. A different message at an existing (conversation, seq) throws
    /// <see cref="SequenceConflictException"/>. Returns only once the write is durable by the backend's rules.
    /// </summary>
    Task<AppendResult> AppendAsync(ChatMessage message, CancellationToken cancellationToken = default);

    /// <summary>
    /// Stores <paramref name="messages"/> together, with one outcome per message in the same order, each decided as
    /// <see cref="AppendAsync"/> decides it (stored, a duplicate with the stored original, or a
    /// <see cref="SequenceConflictException"/> for that message alone). Durable backends write the batch in one round
    /// trip (one multi-row INSERT, one ordered InsertMany). A message whose seq stays unused (a resend of an original
    /// at another seq, or a message refused on its own, see <see cref="AppendOutcome.LeavesSeqUnused"/>) stops the
    /// later messages of its conversation in the batch: they are not written and fail with
    /// <see cref="AppendOutcome.Aborted"/>, so no conversation gets a hole. A database failure throws for the whole batch.
    /// </summary>
    Task<IReadOnlyList<AppendOutcome>> AppendBatchAsync(IReadOnlyList<ChatMessage> messages, CancellationToken cancellationToken = default);

    /// <summary>Up to <paramref name="limit"/> messages with seq below <paramref name="beforeSeq"/> (the newest ones when null), ascending.</summary>
    Task<MessagePage> ReadBeforeAsync(string conv, long? beforeSeq, int limit, CancellationToken cancellationToken = default);

    /// <summary>Up to <paramref name="limit"/> messages with seq above <paramref name="afterSeq"/>, ascending.</summary>
    Task<MessagePage> ReadAfterAsync(string conv, long afterSeq, int limit, CancellationToken cancellationToken = default);

    /// <summary>The highest seq stored for <paramref name="conv"/>, 0 when it has none.</summary>
    Task<long> GetLastSeqAsync(string conv, CancellationToken cancellationToken = default);

    /// <summary>
    /// Erases the content of the message at (<paramref name="conv"/>, <paramref name="seq"/>): its body becomes a
    /// <see cref="RecalledBody"/> in the store itself (a recall must not leave the text readable in the database);
    /// seq, ts, sender and client id stay, so resends are still recognised. Idempotent; false when there is no such message.
    /// </summary>
    Task<bool> EraseAsync(string conv, long seq, CancellationToken cancellationToken = default);
}

public sealed record AppendResult(ChatMessage Message, bool Duplicate);

/// <summary>Two different messages claimed one (conversation, seq): a writer's sequence was stale.</summary>
public sealed class SequenceConflictException : Exception
{
    public SequenceConflictException()
    {
    }

    public SequenceConflictException(string message)
        : base(message)
    {
    }

    public SequenceConflictException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public SequenceConflictException(string conv, long seq)
        : base($"Conversation '{conv}' already holds a different message at seq {seq}.")
    {
    }
}
