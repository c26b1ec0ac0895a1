using Microsoft.Extensions.DependencyInjection;
using OrleansChat.Grains.Rooms;
using OrleansChat.Model;
using OrleansChat.Protocol;

namespace OrleansChat.Grains;

/// <summary>
/// Read receipts of rooms of up to <c>Chat:ReceiptMaxMembers</c> members (<see cref="RoomReadCursors"/>): members' reads
/// move their cursor here (told by their user grain, not awaited); a change is pushed to the room as one aggregated
/// <c>conv.receipt</c> at most once a second (<see cref="CoalescingWindow"/>), and the moved cursors are written to
/// <see cref="IRoomReadCursorStore"/> in one batch at the same moment (and on deactivation). Bigger rooms keep no cursors.
/// </summary>
public sealed partial class GroupRoomGrain
{
    private RoomReadCursors? _readCursors;
    private CoalescingWindow? _receiptWindow;
    private IRoomReadCursorStore? _cursorStore;
    private bool _receiptsStopped;
    private IReadOnlyList<ReadCount>? _lastReceipt;

    private RoomReadCursors ReadCursors => _readCursors ??= new();

    // Resolved rather than injected, so that the grain's constructor stays as it is for the other partial files.
    private IRoomReadCursorStore CursorStore => _cursorStore ??= ServiceProvider.GetRequiredService<IRoomReadCursorStore>();

    private CoalescingWindow ReceiptWindow => _receiptWindow ??= new(
        FlushReceipts, (tick, period) => this.RegisterGrainTimer(tick, period, period));

    private bool ReceiptsOn => MemberCount <= options.Value.ReceiptMaxMembers;

    public async Task ReadUpTo(string userId, long seq)
    {
        if (!IsMember(userId) || !ReceiptsOn)
        {
            return;
        }

        await EnsureCursorsAsync();
        if (ReadCursors.Advance(userId, seq) && !_receiptsStopped)
        {
            ReceiptWindow.Changed();
        }
    }

    public async Task<IReadOnlyList<UserProfile>> GetReaders(string askingUserId, long seq)
    {
        EnsureMember(askingUserId);
        if (!ReceiptsOn)
        {
            throw ChatException.Forbidden($"rooms of more than {options.Value.ReceiptMaxMembers} members have no read receipts");
        }

        var message = (await Sequencer.ReadBeforeAsync(seq + 1, 1)).Messages.FirstOrDefault(m => m.Seq == seq)
            ?? throw ChatException.NotFound($"no message {seq} in room '{Room}'");
        await EnsureCursorsAsync();
        var readers = ReadCursors.ReadersOf(seq, message.From.Id, IsMember).ToHashSet(StringComparer.Ordinal);
        if (readers.Count == 0)
        {
            return [];
        }

        // The room has at most Chat:ReceiptMaxMembers members: one page holds them all, profiles included.
        var page = await members.ListMembersAsync(Room, null, Math.Max(MemberCount, 1));
        return [.. page.Members.Where(r => readers.Contains(r.UserId)).Select(r => r.Profile ?? new UserProfile(r.UserId, r.UserId, null))];
    }

    /// <summary>The send path's whole share of receipts: who sent the new seq, one array slot (O(1), no I/O).</summary>
    private void NoteSentForReceipts(ChatMessage message) => ReadCursors.Sent(message.Seq, message.From.Id);

    /// <summary>
    /// A sender has read everything up to their own message: their cursor moves with the summary's flush, not per send.
    /// Before the stored cursors are loaded the move is only remembered (loading keeps the higher seq).
    private void SenderReadUpTo(string userId, long seq)
    {
        // No push of its own: the sender is no reader of their own message, so only later counts can change, and the
        // next receipt includes the move (which is written with it).
        if (ReceiptsOn)
        {
            ReadCursors.Advance(userId, seq);
        }
    }

    /// <summary>Loads the stored cursors and the senders of the newest seqs once per activation.</summary>
    private async Task EnsureCursorsAsync()
    {
        if (!ReadCursors.Loaded)
        {
            ReadCursors.Load(await CursorStore.LoadAsync(Room));
        }

        if (!ReadCursors.RecentLoaded)
        {
            var newest = await Sequencer.ReadBeforeAsync(null, RoomReadCursors.Window);
            ReadCursors.LoadRecent(newest.Messages.Where(m => m.Body is not RecallBody).Select(m => (m.Seq, m.From.Id)));
        }
    }

    private bool FlushReceipts()
    {
        SaveReadCursorsAsync().Ignore();
        var counts = ReadCursors.Counts(IsMember);
        if (counts.Count == 0 || (_lastReceipt is not null && counts.SequenceEqual(_lastReceipt)))
        {
            return false; // a move that changed no count (a read of an older seq, a sender's own) sends nothing
        }

        _lastReceipt = counts;
        Broadcast(new ConvReceiptEvent(ConversationId.ForRoom(Room), User: null, Seq: null, counts, MemberCount));
        return true;
    }

    /// <summary>Writes the cursors moved since the last write in one batch; a failed write is retried with the next one.</summary>
    private async Task SaveReadCursorsAsync()
    {
        var moves = _readCursors?.TakeUnsaved() ?? [];
        if (moves.Length == 0)
        {
            return;
        }

        try
        {
            await CursorStore.AdvanceAsync(Room, moves);
        }
        catch
        {
            ReadCursors.Unsave(moves);
            throw;
        }
    }

    /// <summary>
    /// A member left: their cursor is dropped with their membership (rooms above the cap keep none, so their leaves
    /// cost no extra write; receipts only ever count current members anyway).
    /// </summary>
    private async Task ForgetReaderAsync(string userId)
    {
        _readCursors?.Forget(userId);
        if (ReceiptsOn)
        {
            await CursorStore.DeleteAsync(Room, userId);
        }
    }

    /// <summary>The grain deactivates: no more receipts (moves are still written by <see cref="SaveReadCursorsAsync"/>).</summary>
    private void StopReceiptPushes()
    {
        _receiptsStopped = true;
        _receiptWindow?.Close();
    }
}
