using System.Collections.Concurrent;
using System.Threading.Channels;
using OrleansChat.Grains.MessageLog;
using OrleansChat.Model;

namespace OrleansChat.Tests.MessageLog;

/// <summary>
/// A log whose batches wait for the test: each <see cref="AppendBatchAsync"/> is handed out by <see cref="NextBatchAsync"/>
/// and written to the wrapped log only when the test commits it (or fails with the test's error). Ungated, it writes at once.
/// </summary>
public sealed class GatedMessageLog(IMessageLog inner) : IMessageLog
{
    private readonly Channel<GatedBatch> _batches = Channel.CreateUnbounded<GatedBatch>();
    private readonly ConcurrentQueue<GatedBatch> _held = new();
    private int _batchCount;

    /// <summary>False writes every batch at once (still counted).</summary>
    public bool Gated { get; set; } = true;

    /// <summary>How many batches reached this log.</summary>
    public int BatchCount => Volatile.Read(ref _batchCount);

    public IMessageLog Inner => inner;

    public async Task<IReadOnlyList<AppendOutcome>> AppendBatchAsync(IReadOnlyList<ChatMessage> messages, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _batchCount);
        if (Gated)
        {
            var batch = new GatedBatch([.. messages]);
            _held.Enqueue(batch);
            _batches.Writer.TryWrite(batch);
            await batch.Released;
        }

        return await inner.AppendBatchAsync(messages, cancellationToken);
    }

    /// <summary>
    /// Stops holding batches and writes every batch still held (taken by the test or not): a test that fails while it
    /// holds one must not leave the log's commit lane blocked for the tests after it.
    /// </summary>
    public void OpenAndReleaseAll()
    {
        Gated = false;
        while (_held.TryDequeue(out var batch))
        {
            batch.Commit(); // a no-op for a batch already committed or failed
        }

        while (_batches.Reader.TryRead(out _))
        {
        }
    }

    /// <summary>The next batch the log was asked to write, waiting for the test; fails after a deadline.</summary>
    public async Task<GatedBatch> NextBatchAsync(TimeSpan? timeout = null)
    {
        using var deadline = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(10));
        return await _batches.Reader.ReadAsync(deadline.Token);
    }

    /// <summary>True when a batch is waiting to be taken by <see cref="NextBatchAsync"/>.</summary>
    public bool HasWaitingBatch => _batches.Reader.Count > 0;

    public async Task<AppendResult> AppendAsync(ChatMessage message, CancellationToken cancellationToken = default) =>
        (await AppendBatchAsync([message], cancellationToken))[0].GetResultOrThrow();

    public Task<MessagePage> ReadBeforeAsync(string conv, long? beforeSeq, int limit, CancellationToken cancellationToken = default) =>
        inner.ReadBeforeAsync(conv, beforeSeq, limit, cancellationToken);

    public Task<MessagePage> ReadAfterAsync(string conv, long afterSeq, int limit, CancellationToken cancellationToken = default) =>
        inner.ReadAfterAsync(conv, afterSeq, limit, cancellationToken);

    public Task<long> GetLastSeqAsync(string conv, CancellationToken cancellationToken = default) => inner.GetLastSeqAsync(conv, cancellationToken);

    public Task<bool> EraseAsync(string conv, long seq, CancellationToken cancellationToken = default) => inner.EraseAsync(conv, seq, cancellationToken);
}

/// <summary>One batch held by <see cref="GatedMessageLog"/>.</summary>
public sealed class GatedBatch(IReadOnlyList<ChatMessage> messages)
{
    private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public IReadOnlyList<ChatMessage> Messages { get; } = messages;

    public Task Released => _release.Task;

    public IReadOnlyList<long> Seqs => [.. Messages.Select(m => m.Seq)];

    public void Commit() => _release.TrySetResult();

    /// <summary>The database fails: the whole batch throws <paramref name="error"/> and nothing is written.</summary>
    public void Fail(Exception error) => _release.TrySetException(error);
}
