using System.Runtime.ExceptionServices;
using OrleansChat.Model;

namespace OrleansChat.Grains.MessageLog;

/// <summary>
/// What became of one message of <see cref="IMessageLog.AppendBatchAsync"/>: stored (or a duplicate with the stored
/// original), or refused on its own (a <see cref="SequenceConflictException"/>, a bad request, or not attempted
/// because an earlier message of its conversation left its seq unused: see <see cref="Aborted"/>).
/// </summary>
public sealed class AppendOutcome
{
    private AppendOutcome(AppendResult? result, Exception? failure) => (Result, Failure) = (result, failure);

    /// <summary>The stored message (or the original of a duplicate); null when the message failed.</summary>
    public AppendResult? Result { get; }

    /// <summary>Why the message was not stored; null when it was.</summary>
    public Exception? Failure { get; }

    public static AppendOutcome Of(AppendResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return new(result, null);
    }

    public static AppendOutcome Failed(Exception failure)
    {
        ArgumentNullException.ThrowIfNull(failure);
        return new(null, failure);
    }

    /// <summary>
    /// The outcome of a message that was not attempted: an earlier message of its conversation (in the batch, or in a
    /// commit lane's queue) failed or turned out a resend, so its seq stays unused, and writing this one above it would
    /// leave a hole in the conversation. The sender resends it with the same client id and gets a fresh seq.
    /// </summary>
    public static AppendOutcome Aborted(ChatMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return Failed(AbortedError(message.Conv));
    }

    /// <summary>The retriable refusal of <see cref="Aborted"/>: <see cref="ChatErrorCode.Unavailable"/>, so the client resends.</summary>
    public static ChatException AbortedError(string conv) =>
        new(ChatErrorCode.Unavailable, $"an earlier message of '{conv}' was not stored, so this one was not either; send it again with the same id");

    /// <summary>The stored result, or the failure rethrown with its original stack.</summary>
    public AppendResult GetResultOrThrow()
    {
        if (Failure is not null)
        {
            ExceptionDispatchInfo.Throw(Failure);
        }

        return Result!;
    }

    /// <summary>
    /// True when <paramref name="requested"/>'s seq stays empty after this outcome: it failed for any reason but a
    /// <see cref="SequenceConflictException"/> (whose seq another message holds), or it was a resend of an original
    /// stored at another seq. A later message of the conversation must then not be written above it.
    /// </summary>
    public bool LeavesSeqUnused(ChatMessage requested)
    {
        ArgumentNullException.ThrowIfNull(requested);
        return Result is { } result
            ? result.Duplicate && result.Message.Seq != requested.Seq
            : Failure is not SequenceConflictException;
    }
}
