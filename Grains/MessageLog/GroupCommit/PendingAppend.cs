using OrleansChat.Grains.MessageLog.InMemory;
using OrleansChat.Model;

namespace OrleansChat.Grains.MessageLog.GroupCommit;

/// <summary>One append waiting in a <see cref="CommitLane"/>: the message, its size and the task its caller awaits.</summary>
internal sealed class PendingAppend(ChatMessage message)
{
    // Continuations never run on the lane's loop: a grain's are queued to its scheduler in completion order (seq order),
    // and nobody else's code runs inside the loop between two batches.
    private readonly TaskCompletionSource<AppendResult> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ChatMessage Message { get; } = message;

    public int Bytes { get; } = StoredMessageCodec.SizeOf(message);

    public Task<AppendResult> Task => _done.Task;

    public void Complete(AppendOutcome outcome)
    {
        if (outcome.Result is { } result)
        {
            _done.TrySetResult(result);
        }
        else
        {
            _done.TrySetException(outcome.Failure!);
        }
    }

    public void Fail(Exception error) => _done.TrySetException(error);
}
