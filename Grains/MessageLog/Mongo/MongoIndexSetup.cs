namespace OrleansChat.Grains.MessageLog.Mongo;

/// <summary>
/// Creates a MongoDB collection's indexes once for all callers, before the first operation that relies on them; a
/// failed or cancelled attempt is retried by the next caller instead of failing every later one. Creating an index
/// that exists with the same keys and options is a no-op on the server, so a retry is safe.
/// </summary>
public sealed class MongoIndexSetup(Func<CancellationToken, Task> createIndexes)
{
    private readonly Lock _lock = new();
    private Task? _attempt;

    public Task EnsureAsync(CancellationToken cancellationToken)
    {
        Task attempt;
        lock (_lock)
        {
            if (_attempt is null || _attempt.IsFaulted || _attempt.IsCanceled)
            {
                _attempt = createIndexes(CancellationToken.None); // shared: one caller's cancellation must not fail the others
            }

            attempt = _attempt;
        }

        return attempt.IsCompletedSuccessfully ? Task.CompletedTask : attempt.WaitAsync(cancellationToken);
    }
}
