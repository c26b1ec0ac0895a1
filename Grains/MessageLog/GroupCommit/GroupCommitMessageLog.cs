using OrleansChat.Model;

namespace OrleansChat.Grains.MessageLog.GroupCommit;

/// <summary>
/// Group commit over a durable log (PostgreSQL, MongoDB): an append joins the queue of its conversation's
/// <see cref="CommitLane"/> and completes once the batch it went out in is durable. While a lane's batch is in flight,
/// the appends that arrive wait and then go together in one <see cref="IMessageLog.AppendBatchAsync"/> (one round
/// trip), across the conversations of the silo and within one conversation, so a room grain may have several sends
/// in flight (<see cref="Conversations.ConversationSequencer"/>) and the database sees a few large commits instead of
/// many small ones. Reads go straight to the wrapped log. See docs/architecture.md, "Group commit".
/// </summary>
public sealed class GroupCommitMessageLog : IMessageLog, IAsyncDisposable, IDisposable
{
    private readonly IMessageLog _inner;
    private readonly CommitLane[] _lanes;
    private readonly Action<ChatMessage>? _ensureStorable;

    /// <param name="inner">The durable log; disposed with this one.</param>
    /// <param name="options">Validated here.</param>
    /// <param name="ensureStorable">
    /// Refuses a message the backend cannot store before it is queued (PostgreSQL: text with U+0000), so that such a
    /// message fails alone, synchronously, and never takes a place in a batch.
    /// </param>
    /// <param name="time">The clock of failure marks; the system clock by default.</param>
    /// <param name="metrics">Where each batch's size and duration are recorded; none by default.</param>
    public GroupCommitMessageLog(IMessageLog inner, GroupCommitOptions options, Action<ChatMessage>? ensureStorable = null, TimeProvider? time = null, ChatMetrics? metrics = null)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _inner = inner;
        _ensureStorable = ensureStorable;
        _lanes = [.. Enumerable.Range(0, options.Lanes).Select(_ => new CommitLane(inner, options, time ?? TimeProvider.System, metrics))];
    }

    /// <summary>Appends waiting for a batch, over all lanes (for tests and diagnostics).</summary>
    internal int QueuedCount => _lanes.Sum(l => l.QueuedCount);

    /// <summary>Appends waiting for room in a full queue, over all lanes.</summary>
    internal int WaitingForRoomCount => _lanes.Sum(l => l.WaitingForRoomCount);

    /// <summary>
    /// Queues <paramref name="message"/> and returns a task that completes once it is durable. Appends of one
    /// conversation are written in call order. The token is not observed once the message is queued: a batch is
    /// written whole.
    /// </summary>
    public Task<AppendResult> AppendAsync(ChatMessage message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        try
        {
            _ensureStorable?.Invoke(message);
        }
        catch (ChatException refused)
        {
            return Task.FromException<AppendResult>(refused);
        }

        return LaneOf(message.Conv).Enqueue(message);
    }

    /// <summary>Queues every message (each joins its lane's next batch) and collects the outcomes.</summary>
    public async Task<IReadOnlyList<AppendOutcome>> AppendBatchAsync(IReadOnlyList<ChatMessage> messages, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var appends = messages.Select(m => AppendAsync(m, cancellationToken)).ToArray();
        var outcomes = new AppendOutcome[appends.Length];
        for (var i = 0; i < appends.Length; i++)
        {
            try
            {
                outcomes[i] = AppendOutcome.Of(await appends[i]);
            }
            catch (Exception refused) when (refused is SequenceConflictException or ChatException)
            {
                outcomes[i] = AppendOutcome.Failed(refused);
            }
        }

        return outcomes;
    }

    public Task<MessagePage> ReadBeforeAsync(string conv, long? beforeSeq, int limit, CancellationToken cancellationToken = default) =>
        _inner.ReadBeforeAsync(conv, beforeSeq, limit, cancellationToken);

    public Task<MessagePage> ReadAfterAsync(string conv, long afterSeq, int limit, CancellationToken cancellationToken = default) =>
        _inner.ReadAfterAsync(conv, afterSeq, limit, cancellationToken);

    public Task<long> GetLastSeqAsync(string conv, CancellationToken cancellationToken = default) =>
        _inner.GetLastSeqAsync(conv, cancellationToken);

    /// <summary>Straight to the store: a recall is rare, and the recall entry it follows is already durable.</summary>
    public Task<bool> EraseAsync(string conv, long seq, CancellationToken cancellationToken = default) =>
        _inner.EraseAsync(conv, seq, cancellationToken);

    /// <summary>Writes what is queued, then disposes the wrapped log.</summary>
    public async ValueTask DisposeAsync()
    {
        await Task.WhenAll(_lanes.Select(l => l.WhenIdle()));
        switch (_inner)
        {
            case IAsyncDisposable asyncDisposable:
                await asyncDisposable.DisposeAsync();
                break;
            case IDisposable disposable:
                disposable.Dispose();
                break;
        }
    }

    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    private CommitLane LaneOf(string conv) =>
        _lanes[(int)((uint)StringComparer.Ordinal.GetHashCode(conv) % (uint)_lanes.Length)];
}
