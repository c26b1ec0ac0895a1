using OrleansChat.Grains.MessageLog;
using OrleansChat.Model;

namespace OrleansChat.Grains.Conversations;

/// <summary>
/// The rules of <c>msg.recall</c> that rooms and private chats share. A recall is a new log entry (its own seq, a
/// <see cref="RecallBody"/>), then the original's body is erased from the log; both seqs join the conversation's
/// uncounted seqs, so neither counts as unread.
/// </summary>
public static class MessageRecall
{
    /// <summary>
    /// The message at <paramref name="seq"/>, if it may still be recalled: not found, a recall entry, or recalled
    /// already are refused. A recall whose erase failed after its entry was written is finished here (erasing is idempotent).
    /// </summary>
    public static async Task<ChatMessage> FindRecallableAsync(ConversationSequencer sequencer, IMessageLog log, List<long> uncounted, long seq)
    {
        var original = (await sequencer.ReadAfterAsync(seq - 1, 1)).Messages.FirstOrDefault(m => m.Seq == seq)
            ?? throw ChatException.NotFound($"there is no message {seq} in {sequencer.Conv}");
        if (original.Body is RecallBody)
        {
            throw ChatException.BadRequest("a recall cannot itself be recalled");
        }

        if (original.Body is RecalledBody || uncounted.BinarySearch(seq) >= 0)
        {
            await log.EraseAsync(sequencer.Conv, seq);
            throw ChatException.Conflict($"message {seq} was recalled already");
        }

        return original;
    }

    /// <summary>The sender within <paramref name="window"/> of sending; a room's owners and admins (<paramref name="moderator"/>) any time.</summary>
    public static void EnsureMayRecall(ChatMessage original, string byId, bool moderator, DateTimeOffset now, TimeSpan window)
    {
        if (moderator)
        {
            return;
        }

        if (original.From.Id != byId)
        {
            throw ChatException.Forbidden("only its sender, or an owner or admin of the room, may recall a message");
        }

        if (now.ToUnixTimeMilliseconds() - original.Ts > (long)window.TotalMilliseconds)
        {
            throw ChatException.Forbidden($"a message can be recalled only within {window.TotalSeconds:0} s of sending it");
        }
    }

    /// <summary>Adds the recalled seq and the recall's own seq to the sorted uncounted seqs.</summary>
    public static void MarkUncounted(List<long> uncounted, long recalledSeq, long recallSeq)
    {
        foreach (var seq in new[] { recalledSeq, recallSeq })
        {
            var at = uncounted.BinarySearch(seq);
            if (at < 0)
            {
                uncounted.Insert(~at, seq);
            }
        }
    }
}
