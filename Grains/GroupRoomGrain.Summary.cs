using OrleansChat.Grains.Conversations;
using OrleansChat.Model;
using OrleansChat.Protocol;

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
        _activity.UncountedSeqs = UncountedSeqs;
        var (read, unread) = _activity.ReadStateOf(userId, readSeq, lastSeq);
        var preview = last is null ? null : MessagePreview.Of(last);
        return new ConversationSummary(ConversationId.ForRoom(Room), ConversationKind.Room, Room, null, preview, lastSeq, read, unread);
    }

    public async Task<SendReceipt> Recall(UserProfile by, long seq)
    {
        EnsureMember(by.Id);
        var original = await MessageRecall.FindRecallableAsync(Sequencer, log, UncountedSeqs, seq);
        var moderator = State.RoleOf(by.Id) is RoomRole.Owner or RoomRole.Admin;
        MessageRecall.EnsureMayRecall(original, by.Id, moderator, time.GetUtcNow(), options.Value.RecallWindow);
        var (recall, _) = await Sequencer.AppendAsync(by, clientId: null, new RecallBody(seq), NowMs);
        MessageRecall.MarkUncounted(UncountedSeqs, seq, recall.Seq);
        await state.WriteStateAsync();
        await log.EraseAsync(Sequencer.Conv, seq);
        Broadcast(RoomMessageEvent.Of(Room, recall));
        RecordActivity(recall);
        return new SendReceipt(recall.Conv, recall.Seq, recall.Ts, Duplicate: false);
    }

    private List<long> UncountedSeqs => State.UncountedSeqs;

    /// <summary>Rooms above this many members pass on no typing: in a crowd it is noise, and a frame to every member.</summary>
    private const int TypingMaxMembers = 50;

    private TypingIndicators? _typing;

    public Task Typing(UserProfile by, bool on)
    {
        EnsureMember(by.Id);
        if (MemberCount > TypingMaxMembers)
        {
            return Task.CompletedTask;
        }

        var (announce, started) = (_typing ??= new(time)).Update(by.Id, on);
        if (announce)
        {
            Broadcast(new TypingEvent(ConversationId.ForRoom(Room), by, on, (long)TypingIndicators.Expiry.TotalMilliseconds));
        }

        if (started)
        {
            _typing.WatchAsync(by.Id, () => Broadcast(new TypingEvent(ConversationId.ForRoom(Room), by, On: false, 0))).Ignore();
        }

        return Task.CompletedTask;
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        ClosePresence();
        FlushDirectory();
        StopReceiptPushes();
        _activity.Flush(TellSenderReadSeq);
        await SaveReadCursorsAsync();
    }

    /// <summary>The one step the send path takes for summaries: O(1), no write (see <see cref="ConversationActivity"/>).</summary>
    private void RecordActivity(ChatMessage message)
    {
        if (_activity.Appended(message))
        {
            _activity.FlushAboutEveryAsync(time, options.Value.SenderReadFlushInterval, TellSenderReadSeq).Ignore();
        }
    }

    private void TellSenderReadSeq(string userId, long seq)
    {
        GrainFactory.GetGrain<IUserGrain>(userId).SentUpTo(ConversationId.ForRoom(Room), seq).Ignore();
        SenderReadUpTo(userId, seq);
    }
}
