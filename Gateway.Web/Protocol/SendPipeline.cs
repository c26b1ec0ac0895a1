using OrleansChat.Grains;
using OrleansChat.Model;
using OrleansChat.Protocol;

namespace OrleansChat.Gateway.Protocol;

/// <summary>
/// The sends of one connection that are not answered yet (<c>Protocol:MaxSendsInFlight</c> at most), so that a
/// connection is not limited to one send per commit: the reader hands each send here and reads on while it commits.
/// <para>
/// Order: per conversation at most one grain call is in flight; the sends that arrive meanwhile wait and then go
/// together in one <see cref="IConversationGrain.SendBatch"/>, which takes their seqs in the order they were read. So
/// two sends of one connection to one conversation get seqs in the order sent, and their acks leave in that order;
/// acks of different conversations may overtake each other.
/// </para>
/// <para>
/// Back-pressure: once the bound is reached <see cref="SendAsync"/> completes only when an answer frees a place, and
/// the reader awaits it, so the socket is not read (TCP pushes back on the client). Thread-safe: the reader adds,
/// grain answers complete on the thread pool.
/// </para>
/// <para>
/// A call not answered within <paramref name="timeout"/> (<c>Protocol:SendTimeout</c>) is given up: its sends are
/// answered <c>internal</c> and the conversation's next batch is called. The call itself may still be stored (sends are
/// idempotent by client id, so the client's retry gets the same seq); it only stops holding the others.
/// </para>
/// </summary>
public sealed class SendPipeline(int maxInFlight, TimeSpan timeout, TimeProvider time, Func<UserProfile> sender, Action<ClientFrame, SendOutcome> answer)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<(bool Dm, string Name), Conversation> _conversations = [];
    private int _inFlight;
    private TaskCompletionSource? _placeFreed; // the reader waits on it while the bound is reached
    private TaskCompletionSource? _drained;    // the reader waits on it before a frame that must follow the sends

    /// <summary>
    /// Starts <paramref name="message"/> (or queues it behind the call in flight to its conversation, named by
    /// <paramref name="conversation"/>); completes at once unless the connection's bound is now reached.
    /// </summary>
    public ValueTask SendAsync((bool Dm, string Name) conversation, IConversationGrain grain, ClientFrame frame, OutgoingMessage message)
    {
        Conversation? start;
        Task? full = null;
        lock (_lock)
        {
            _inFlight++;
            if (_conversations.TryGetValue(conversation, out var calling))
            {
                calling.Waiting.Add((frame, message));
                start = null;
            }
            else
            {
                start = new Conversation(conversation, grain);
                _conversations.Add(conversation, start);
            }

            if (_inFlight >= maxInFlight)
            {
                full = (_placeFreed ??= new(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
            }
        }

        if (start is not null)
        {
            _ = CallAsync(start, [(frame, message)]);
        }

        return full is null ? ValueTask.CompletedTask : new ValueTask(full);
    }

    /// <summary>Completes once every send handed over so far is answered (its ack or error is out).</summary>
    public Task DrainAsync()
    {
        lock (_lock)
        {
            return _inFlight == 0 ? Task.CompletedTask : (_drained ??= new(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
        }
    }

    /// <summary>Calls the conversation's grain with <paramref name="batch"/>, then with whatever queued meanwhile, until nothing waits.</summary>
    private async Task CallAsync(Conversation conversation, List<(ClientFrame Frame, OutgoingMessage Message)> batch)
    {
        while (true)
        {
            await AnswerAsync(conversation.Grain, batch);
            lock (_lock)
            {
                _inFlight -= batch.Count;
                ReleaseWaiters();
                if (conversation.Waiting.Count == 0)
                {
                    _conversations.Remove(conversation.Key);
                    return;
                }

                (batch, conversation.Waiting) = (conversation.Waiting, []);
            }
        }
    }

    /// <summary>One grain call for the batch and one answer per send; never throws.</summary>
    private async Task AnswerAsync(IConversationGrain grain, List<(ClientFrame Frame, OutgoingMessage Message)> batch)
    {
        var messages = new OutgoingMessage[batch.Count];
        for (var i = 0; i < messages.Length; i++)
        {
            messages[i] = batch[i].Message;
        }

        SendOutcome[] outcomes;
        var call = grain.SendBatch(sender(), messages);
        try
        {
            outcomes = await call.WaitAsync(timeout, time);
        }
        catch (TimeoutException) when (!call.IsCompleted)
        {
            _ = call.ContinueWith(static late => late.Exception, TaskContinuationOptions.OnlyOnFaulted); // observed, not awaited
            outcomes = [.. messages.Select(_ => TimedOut)];
        }
        catch (ChatException refused)
        {
            outcomes = [.. messages.Select(_ => SendOutcome.Refused(refused))];
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            outcomes = [.. messages.Select(_ => SendOutcome.Failed(e))];
        }

        for (var i = 0; i < batch.Count; i++)
        {
            answer(batch[i].Frame, i < outcomes.Length ? outcomes[i] : SendOutcome.Failed(new InvalidOperationException("no outcome for this message")));
        }
    }

    private SendOutcome TimedOut => new(null, ChatErrorCode.Internal, "the server did not answer in time; retry with the same id",
        $"no answer within {timeout.TotalSeconds:0.#} s (Protocol:SendTimeout)");

    private void ReleaseWaiters()
    {
        if (_inFlight < maxInFlight && _placeFreed is { } placeFreed)
        {
            _placeFreed = null;
            placeFreed.TrySetResult();
        }

        if (_inFlight == 0 && _drained is { } drained)
        {
            _drained = null;
            drained.TrySetResult();
        }
    }

    private sealed class Conversation((bool Dm, string Name) key, IConversationGrain grain)
    {
        public (bool Dm, string Name) Key { get; } = key;

        public IConversationGrain Grain { get; } = grain;

        public List<(ClientFrame Frame, OutgoingMessage Message)> Waiting { get; set; } = [];
    }
}
