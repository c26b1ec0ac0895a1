using OrleansChat.Grains.Conversations;
using OrleansChat.Model;
using OrleansChat.Protocol;

namespace OrleansChat.Grains;

/// <summary>The private chat's summary for conversation lists: last message, the peer and whether they are online, unread.</summary>
public sealed partial class PrivateChatGrain
{
    private readonly ConversationActivity _activity = new();

    public async Task<ConversationSummary> GetSummary(string userId, long readSeq)
    {
        var peerId = PeerOf(userId);
        var last = await _activity.LastAsync(() => Sequencer.ReadBeforeAsync(null, 1));
        var lastSeq = Math.Max(await Sequencer.LastSeqAsync(), last?.Seq ?? 0);
        _activity.UncountedSeqs = UncountedSeqs;
        var (read, unread) = _activity.ReadStateOf(userId, readSeq, lastSeq);
        var peer = state.State.Profiles.GetValueOrDefault(peerId) ?? new UserProfile(peerId, peerId, null);
        var preview = last is null ? null : MessagePreview.Of(last);
        return new ConversationSummary(Conv, ConversationKind.Dm, peer.Name, peer, preview, lastSeq, read, unread, await IsOnlineAsync(peerId));
    }

    /// <summary>Only the sender, within the window: a private chat has no moderators. Allowed after a leave too.</summary>
    public async Task<SendReceipt> Recall(UserProfile by, long seq)
    {
        var peer = PeerOf(by.Id);
        var original = await MessageRecall.FindRecallableAsync(Sequencer, log, UncountedSeqs, seq);
        MessageRecall.EnsureMayRecall(original, by.Id, moderator: false, time.GetUtcNow(), options.Value.RecallWindow);
        var (recall, _) = await Sequencer.AppendAsync(by, clientId: null, new RecallBody(seq), time.GetUtcNow().ToUnixTimeMilliseconds());
        MessageRecall.MarkUncounted(UncountedSeqs, seq, recall.Seq);
        await state.WriteStateAsync();
        await log.EraseAsync(Conv, seq);
        RecordActivity(recall);
        _messageDeliveries = DeliverAfter(_messageDeliveries, DmMessageEvent.Of(peer, recall), peer, by.Id);
        await _messageDeliveries;
        return new SendReceipt(recall.Conv, recall.Seq, recall.Ts, Duplicate: false);
    }

    private List<long> UncountedSeqs => state.State.UncountedSeqs;

    private TypingIndicators? _typing;

    /// <summary>Told to the peer only, while the conversation is open.</summary>
    public async Task Typing(UserProfile by, bool on)
    {
        var peer = PeerOf(by.Id);
        if (Status != DmStatus.Open)
        {
            return;
        }

        var (announce, started) = (_typing ??= new(time)).Update(by.Id, on);
        if (started)
        {
            _typing.WatchAsync(by.Id, () => Deliver(new TypingEvent(Conv, by, On: false, 0), peer).Ignore()).Ignore();
        }

        if (announce)
        {
            await Deliver(new TypingEvent(Conv, by, on, (long)TypingIndicators.Expiry.TotalMilliseconds), peer);
        }
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        _activity.Flush(TellSenderReadSeq);
        return Task.CompletedTask;
    }

    /// <summary>
    /// From the announcements an open conversation receives; otherwise asked (GetGateways interleaves, so asking
    /// cannot deadlock with a user grain that is listing its conversations).
    /// </summary>
    private async Task<bool> IsOnlineAsync(string userId)
    {
        if (Status == DmStatus.Open && _whereConnected.TryGetValue(userId, out var known))
        {
            return known.Online;
        }

        var gateways = await User(userId).GetGateways();
        if (Status == DmStatus.Open)
        {
            Remember(gateways);
        }

        return gateways.Online;
    }

    /// <summary>The one step the send path takes for summaries: O(1), no write (see <see cref="ConversationActivity"/>).</summary>
    private void RecordActivity(ChatMessage message)
    {
        if (_activity.Appended(message))
        {
            _activity.FlushAboutEveryAsync(time, options.Value.SenderReadFlushInterval, TellSenderReadSeq).Ignore();
        }
    }

    private void TellSenderReadSeq(string userId, long seq) => User(userId).SentUpTo(Conv, seq).Ignore();
}
