using OrleansChat.Grains.Conversations;
using OrleansChat.Model;

namespace OrleansChat.Grains;

/// <summary>The room's summary for conversation lists: last message, read seqs moved by sending, unread counts.</summary>
public sealed partial class GroupRoomGrain
{
    private readonly ConversationActivity _activity = new();

    public async Task<ConversationSummary> GetSummary(string userId, long readSeq)
    {
        EnsureMember(userId);
        var last = await _activity.LastAsync(() => Sequencer.ReadBeforeAsync(null, 1));
        var lastSeq = Math.Max(await Sequencer.LastSeqAsync(), last?.Seq ?? 0);
        var (read, unread) = _activity.ReadStateOf(userId, readSeq, lastSeq);
        var preview = last is null ? null : MessagePreview.Of(last);
        return new ConversationSummary(ConversationId.ForRoom(Room), ConversationKind.Room, Room, null, preview, lastSeq, read, unread);
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        _activity.Flush(TellSenderReadSeq);
        return Task.CompletedTask;
    }

    /// <summary>The one step the send path takes for summaries: O(1), no write (see <see cref="ConversationActivity"/>).</summary>
    private void RecordActivity(ChatMessage message)
    {
        if (_activity.Appended(message))
        {
            _activity.FlushLaterAsync(time, TellSenderReadSeq).Ignore();
        }
    }

    private void TellSenderReadSeq(string userId, long seq) =>
        GrainFactory.GetGrain<IUserGrain>(userId).SentUpTo(ConversationId.ForRoom(Room), seq).Ignore();
}
