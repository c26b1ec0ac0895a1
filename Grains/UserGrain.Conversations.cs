using Microsoft.Extensions.Logging;
using OrleansChat.Grains.Conversations;
using OrleansChat.Model;
using OrleansChat.Protocol;

namespace OrleansChat.Grains;

/// <summary>
/// The user's conversation list, read cursors, pins, mutes and pending private-chat requests.
/// <para>
/// The list's order is computed when asked, from the summaries the user's conversations keep of themselves (one
/// interleaving call to each, in parallel), instead of being kept here: keeping it would cost a call (and a write) to
/// every member's user grain per message, while a list is asked for on connect and on demand, and a user has at most
/// <c>Chat:MaxRoomsPerUser</c> rooms plus their private chats.
/// </para>
/// </summary>
public sealed partial class UserGrain
{
    private Dictionary<string, UserConversation> Conversations => state.State.Conversations;

    public async Task<ConversationPage> ListConversations(string? cursor, int? limit)
    {
        var max = options.Value.ConversationPageSize;
        var entries = await Task.WhenAll(MyConversations().Select(EntryOfAsync));
        await RememberReadSeqsOfNewcomersAsync(entries);
        return ConversationOrder.Page(entries, cursor, Math.Clamp(limit ?? max, 1, max));
    }

    public async Task<ConvReadEvent> MarkRead(string conv, long seq, bool privately = false)
    {
        var mine = MineOrNotFound(conv);
        var summary = await ConversationGrain(conv).GetSummary(UserId, Math.Max(mine.ReadSeq, seq));
        var read = Math.Max(mine.ReadSeq, Math.Min(seq, summary.LastSeq));
        var moved = new ConvReadEvent(conv, summary.ReadSeq, summary.Unread);
        if (read > mine.ReadSeq)
        {
            mine.ReadSeq = read;
            await state.WriteStateAsync();
            await Deliver(moved);
            if (!privately && ConversationId.TryParseDm(conv, out var a, out var b))
            {
                // Not awaited: two users reading each other's messages at once would each wait for the other's grain.
                GrainFactory.GetGrain<IUserGrain>(a == UserId ? b : a).PeerRead(conv, UserId, summary.ReadSeq).Ignore();
            }
            else if (!privately && ConversationId.TryParseRoom(conv, out var room))
            {
                // Not awaited: the room's cursor only feeds receipts; this grain's read seq is the one unread counts use.
                GrainFactory.GetGrain<IGroupRoomGrain>(room).ReadUpTo(UserId, summary.ReadSeq).Ignore();
            }
        }

        return moved;
    }

    /// <summary>Hidden seqs are bounded per conversation, like the state they grow.</summary>
    private const int MaxHiddenPerConversation = 10_000;

    public async Task HideMessage(string conv, long seq)
    {
        var mine = MineOrNotFound(conv);
        var at = mine.Hidden.BinarySearch(seq);
        if (at >= 0)
        {
            return;
        }

        if (mine.Hidden.Count >= MaxHiddenPerConversation)
        {
            throw ChatException.Forbidden($"at most {MaxHiddenPerConversation} deleted messages per conversation");
        }

        mine.Hidden.Insert(~at, seq);
        await state.WriteStateAsync();
        await Deliver(new MsgDeletedEvent(conv, seq));
    }

    public Task<IReadOnlyList<long>> GetHidden(string conv) =>
        Task.FromResult<IReadOnlyList<long>>(Conversations.TryGetValue(conv, out var mine) ? [.. mine.Hidden] : []);

    public async Task<ConvSettingsEvent> SetFlags(string conv, bool? pinned, bool? muted)
    {
        var mine = MineOrNotFound(conv);
        var changed = (pinned is { } p && p != mine.Pinned) || (muted is { } m && m != mine.Muted);
        mine.Pinned = pinned ?? mine.Pinned;
        mine.Muted = muted ?? mine.Muted;
        var settings = new ConvSettingsEvent(conv, mine.Pinned, mine.Muted);
        if (changed)
        {
            await state.WriteStateAsync();
            await Deliver(settings);
        }

        return settings;
    }

    public async Task PeerRead(string conv, string peerId, long seq)
    {
        if (!ConversationId.TryParseDm(conv, out var a, out var b) || (a == UserId ? b : a) != peerId || !IsMine(conv))
        {
            return; // not (or no longer) an open private chat of this user with that peer
        }

        var mine = MineOrNew(conv);
        if (seq > mine.PeerReadSeq)
        {
            mine.PeerReadSeq = seq;
            await state.WriteStateAsync();
            await Deliver(new ConvReceiptEvent(conv, peerId, seq));
        }
    }

    public async Task SentUpTo(string conv, long seq)
    {
        if (IsMine(conv) && MineOrNew(conv) is { } mine && seq > mine.ReadSeq)
        {
            mine.ReadSeq = seq;
            await state.WriteStateAsync();
        }
    }

    public async Task AddRequest(PendingDmRequest request)
    {
        var peer = request.User.Id;
        if (state.State.Requests.GetValueOrDefault(peer) != request)
        {
            state.State.Requests[peer] = request;
            await state.WriteStateAsync();
        }
    }

    public async Task RemoveRequest(string peerId)
    {
        if (state.State.Requests.Remove(peerId))
        {
            await state.WriteStateAsync();
        }
    }

    public Task<IReadOnlyList<PendingDmRequest>> GetRequests() => Task.FromResult(PendingRequests());

    private IReadOnlyList<PendingDmRequest> PendingRequests() => [.. state.State.Requests.Values.OrderBy(r => r.Ts)];

    private IEnumerable<string> MyConversations() =>
        state.State.Rooms.Select(ConversationId.ForRoom).Concat(state.State.DmPeers.Select(peer => ConversationId.ForDm(UserId, peer)));

    private bool IsMine(string conv) =>
        ConversationId.TryParseRoom(conv, out var room) ? state.State.Rooms.Contains(room)
        : ConversationId.TryParseDm(conv, out var a, out var b) && (a == UserId ? state.State.DmPeers.Contains(b) : b == UserId && state.State.DmPeers.Contains(a));

    private UserConversation MineOrNotFound(string conv) =>
        IsMine(conv) ? MineOrNew(conv) : throw ChatException.NotFound($"\"{conv}\" is not one of your conversations");

    private UserConversation MineOrNew(string conv)
    {
        if (!Conversations.TryGetValue(conv, out var mine))
        {
            // Joined before read seqs were kept: counted as read up to now (see RememberReadSeqsOfNewcomersAsync).
            Conversations[conv] = mine = new UserConversation { ReadSeq = long.MaxValue };
        }

        return mine;
    }

    /// <summary>
    /// One conversation's entry from its summary; a conversation that cannot answer now is still listed, with what
    /// this grain knows, rather than missing from the list.
    /// </summary>
    private async Task<ConversationEntry> EntryOfAsync(string conv)
    {
        var mine = MineOrNew(conv);
        try
        {
            var s = await ConversationGrain(conv).GetSummary(UserId, mine.ReadSeq);
            var blocked = s.Peer is { } peer && state.State.Blocked.Contains(peer.Id) ? true : (bool?)null;
            var peerRead = s.Peer is not null && mine.PeerReadSeq > 0 ? mine.PeerReadSeq : (long?)null;
            return new ConversationEntry(s.Conv, s.Kind, s.Title, s.Peer, s.Last, s.LastSeq, s.ReadSeq, s.Unread, mine.Pinned, mine.Muted, s.PeerOnline, blocked, peerRead);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogSummaryFailed(e, UserId, conv);
            var kind = ConversationId.TryParseRoom(conv, out var room) ? ConversationKind.Room : ConversationKind.Dm;
            var read = mine.ReadSeq == long.MaxValue ? 0 : mine.ReadSeq;
            return new ConversationEntry(conv, kind, room ?? conv, null, null, read, read, 0, mine.Pinned, mine.Muted);
        }
    }

    /// <summary>Conversations joined before read seqs were kept take the read seq their summary answered: the last one.</summary>
    private async Task RememberReadSeqsOfNewcomersAsync(IEnumerable<ConversationEntry> entries)
    {
        var changed = false;
        foreach (var entry in entries)
        {
            if (Conversations.TryGetValue(entry.Conv, out var mine) && mine.ReadSeq == long.MaxValue)
            {
                mine.ReadSeq = entry.ReadSeq;
                changed = true;
            }
        }

        if (changed)
        {
            await state.WriteStateAsync();
        }
    }

    private async Task JoinConversationAsync(string conv, long readSeq)
    {
        var mine = MineOrNew(conv);
        mine.ReadSeq = mine.ReadSeq == long.MaxValue ? readSeq : Math.Max(mine.ReadSeq, readSeq);
        await state.WriteStateAsync();
    }

    private IConversationGrain ConversationGrain(string conv) =>
        ConversationId.TryParseRoom(conv, out var room) ? GrainFactory.GetGrain<IGroupRoomGrain>(room)
        : ConversationId.TryParseDm(conv, out var a, out var b) ? GrainFactory.GetGrain<IPrivateChatGrain>(ConversationId.DmKey(a, b))
        : throw ChatException.BadRequest($"unknown conversation \"{conv}\"");

    [LoggerMessage(Level = LogLevel.Warning, Message = "User {UserId}: the summary of {Conv} could not be read; listed without it")]
    private partial void LogSummaryFailed(Exception exception, string userId, string conv);
}
