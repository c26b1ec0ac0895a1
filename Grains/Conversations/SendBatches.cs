using OrleansChat.Model;

namespace OrleansChat.Grains.Conversations;

/// <summary>How a chat grain answers <see cref="IConversationGrain.SendBatch"/>: through its own single send.</summary>
internal static class SendBatches
{
    /// <summary>
    /// Starts every message's send in order, in this turn (each takes its seq before the next starts, see
    /// <see cref="ConversationSequencer"/>), then collects one outcome per message.
    /// </summary>
    public static Task<SendOutcome[]> RunAsync(OutgoingMessage[] messages, Func<OutgoingMessage, Task<SendReceipt>> send)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var outcomes = new Task<SendOutcome>[messages.Length];
        for (var i = 0; i < messages.Length; i++)
        {
            outcomes[i] = OutcomeOf(send(messages[i]));
        }

        return Task.WhenAll(outcomes);
    }

    private static async Task<SendOutcome> OutcomeOf(Task<SendReceipt> send)
    {
        try
        {
            return SendOutcome.Sent(await send);
        }
        catch (ChatException refused)
        {
            return SendOutcome.Refused(refused);
        }
        catch (Exception fault) when (fault is not OutOfMemoryException)
        {
            return SendOutcome.Failed(fault);
        }
    }
}
