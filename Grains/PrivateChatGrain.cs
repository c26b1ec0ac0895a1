using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansChat.Grains.Conversations;
using OrleansChat.Grains.MessageLog;
using OrleansChat.Model;
using OrleansChat.Protocol;

namespace OrleansChat.Grains;

[GenerateSerializer, Alias("chat.PrivateChatState")]
public sealed class PrivateChatState
{
    [Id(0)]
    public DmStatus Status { get; set; }

    [Id(1)]
    public string? RequestedBy { get; set; }

    /// <summary>The two users' profiles as last seen in their own calls.</summary>
    [Id(2)]
    public Dictionary<string, UserProfile> Profiles { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Sorted seqs that never count as unread: recalled messages and the recall entries (see ConversationActivity).</summary>
    [Id(3)]
    public List<long> UncountedSeqs { get; set; } = [];

    /// <summary>Which of the two users blocked the other (their user grains hold the truth and tell this conversation).</summary>
    [Id(4)]
    public HashSet<string> BlockedBy { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>
/// A private conversation between two users: none -> requested(by) -> open, with decline and leave, and its
/// message sequence. Only the two users may act on it; history stays readable to them after a leave.
/// </summary>
public sealed partial class PrivateChatGrain(
    [PersistentState("dm", "chat")] IPersistentState<PrivateChatState> state,
    IMessageLog log,
    IOptions<ChatOptions> options,
    TimeProvider time,
    ChatMetrics metrics,
    ILogger<PrivateChatGrain> logger) : Grain, IPrivateChatGrain
{
    private ConversationSequencer? _sequencer;

    /// <summary>
    /// Where each of the two users is connected, as their user grains announce it, so a message costs one call
    /// per gateway rather than a call per user grain. Used only while the conversation is open: only then are the
    /// two users announcing to it (it is in their private-chat lists).
    /// </summary>
    private readonly Dictionary<string, UserGateways> _whereConnected = new(StringComparer.Ordinal);

    /// <summary>The last delivery's users and gateways: messages go the same way until someone moves (see Remember).</summary>
    private (string[] Users, List<(string Id, IGatewayObserver Gateway, List<string> Users)> ByGateway)? _route;

    /// <summary>The last message delivery started; the next one starts after it.</summary>
    private Task _messageDeliveries = Task.CompletedTask;

    // Both read once per activation: every send asks for the peer, and building and parsing the id per send was
    // 3.5 % of the silo's allocated bytes at 8,000 DM sends/s.
    private string? _conv;
    private (string A, string B)? _parties;

    private string Conv => _conv ??= ConversationId.DmPrefix + this.GetPrimaryKeyString();

    private ConversationSequencer Sequencer => _sequencer ??= new(Conv, log, options.Value);

    private DmStatus Status => state.State.Status;

    public async Task<DmState> Request(UserProfile from)
    {
        var peer = PeerOf(from.Id);
        await EnsureNotBlockedByAsync(peer);
        Learn(from);
        switch (Status)
        {
            case DmStatus.None or DmStatus.Declined:
                await SetStatus(DmStatus.Requested, requestedBy: from.Id);
                await RecordRequestAsync(from, peer);
                await Deliver(new DmRequestEvent(Conv, from), peer);
                NotifyRequested(from, peer);
                break;
            case DmStatus.Requested when state.State.RequestedBy == peer:
                await Open(); // both asked: that is an accept
                break;
            default:
                break; // asked already, or already open
        }

        return Snapshot();
    }

    public async Task<DmState> Accept(UserProfile by)
    {
        var peer = PeerOf(by.Id);
        EnsureRequestedBy(peer, "accept");
        Learn(by);
        await Open();
        return Snapshot();
    }

    public async Task<DmState> Decline(UserProfile by)
    {
        var peer = PeerOf(by.Id);
        EnsureRequestedBy(peer, "decline");
        Learn(by);
        await SetStatus(DmStatus.Declined, requestedBy: null);
        await ForgetRequestAsync(by.Id, peer);
        await Deliver(new DmDeclinedEvent(Conv, by), peer);
        return Snapshot();
    }

    public async Task<DmState> Cancel(UserProfile by)
    {
        var peer = PeerOf(by.Id);
        if (Status != DmStatus.Requested || state.State.RequestedBy != by.Id)
        {
            throw ChatException.Conflict($"cannot cancel: you have no pending request to '{peer}'");
        }

        Learn(by);
        await SetStatus(DmStatus.None, requestedBy: null);
        await ForgetRequestAsync(by.Id, peer);
        await Deliver(new DmCancelledEvent(Conv, by), peer);
        return Snapshot();
    }

    public async Task<DmState> Leave(UserProfile by)
    {
        var peer = PeerOf(by.Id);
        if (Status is not (DmStatus.Open or DmStatus.Requested))
        {
            throw ChatException.NotFound("no open or requested conversation to leave");
        }

        Learn(by);
        await SetStatus(DmStatus.None, requestedBy: null);
        await Deliver(new DmLeftEvent(Conv, by), peer);
        await Task.WhenAll(User(by.Id).RemoveDmPeer(peer), User(peer).RemoveDmPeer(by.Id));
        return Snapshot();
    }

    public async Task<SendReceipt> Send(UserProfile from, string? clientId, MessageBody body)
    {
        var peer = PeerOf(from.Id);
        if (Status != DmStatus.Open)
        {
            throw ChatException.Forbidden("conversation is not open");
        }

        EnsureNotBlockedBy(peer);
        var (message, duplicate) = await Sequencer.AppendAsync(from, clientId, body, time.GetUtcNow().ToUnixTimeMilliseconds());
        if (!duplicate)
        {
            // Sends interleave, and a delivery may wait (the first after activation asks the users' gateways): each one
            // waits for the previous, so they leave in seq order (sends resume from their appends in seq order).
            RecordActivity(message);
            _messageDeliveries = DeliverAfter(_messageDeliveries, DmMessageEvent.Of(peer, message), peer, from.Id);
            await _messageDeliveries;
            NotifyStored(message, peer);
        }

        return new SendReceipt(message.Conv, message.Seq, message.Ts, duplicate);
    }

    public Task<SendOutcome[]> SendBatch(UserProfile from, OutgoingMessage[] messages) =>
        SendBatches.RunAsync(messages, m => Send(from, m.ClientId, m.Body));

    public async Task UserGatewaysChanged(UserGateways user, bool presenceChanged)
    {
        var peer = PeerOf(user.UserId);
        Remember(user);
        if (presenceChanged && Status == DmStatus.Open)
        {
            await Deliver(new DmPresenceEvent(Conv, user.UserId, user.Online, user.Version), peer);
        }
    }

    public Task<MessagePage> ReadBefore(string userId, long? beforeSeq, int limit)
    {
        PeerOf(userId);
        return Sequencer.ReadBeforeAsync(beforeSeq, limit);
    }

    public Task<MessagePage> ReadAfter(string userId, long afterSeq, int limit)
    {
        PeerOf(userId);
        return Sequencer.ReadAfterAsync(afterSeq, limit);
    }

    private async Task Open()
    {
        var (a, b) = Parties();
        await SetStatus(DmStatus.Open, requestedBy: null);
        var read = await Sequencer.LastSeqAsync(); // a reopened conversation's earlier history is not unread
        await Task.WhenAll(User(a).AddDmPeer(b, read), User(b).AddDmPeer(a, read)); // which also ends the pending request
        _whereConnected.Clear(); // the users announce to this conversation from now on; ask them afresh once
        _route = null;
        var (profileA, profileB) = (await ProfileOf(a), await ProfileOf(b));
        var (onlineA, onlineB) = (await IsOnlineAsync(a), await IsOnlineAsync(b)); // each side is told whether the other is online
        await Task.WhenAll(Deliver(new DmOpenEvent(Conv, profileB, onlineB), a), Deliver(new DmOpenEvent(Conv, profileA, onlineA), b));
    }

    /// <summary>The other user of the conversation; refuses anyone who is not one of the two.</summary>
    private string PeerOf(string userId)
    {
        var (a, b) = Parties();
        return userId == a ? b : userId == b ? a : throw ChatException.Forbidden("not a party to this conversation");
    }

    private (string A, string B) Parties()
    {
        if (_parties is { } known)
        {
            return known;
        }

        if (!ConversationId.TryParseDm(Conv, out var a, out var b))
        {
            throw ChatException.BadRequest($"'{Conv}' is not a private conversation between two users");
        }

        return (_parties = (a, b)).Value;
    }

    /// <summary>
    /// Both users keep the pending request in their own state, so that it reaches the asked user in their next
    /// <c>welcome</c> even if they are offline now, and the requester sees it among their outgoing requests.
    /// </summary>
    private async Task RecordRequestAsync(UserProfile from, string peer)
    {
        var ts = time.GetUtcNow().ToUnixTimeMilliseconds();
        var to = await ProfileOf(peer);
        await Task.WhenAll(
            User(from.Id).AddRequest(new PendingDmRequest(Conv, to, Incoming: false, ts)),
            User(peer).AddRequest(new PendingDmRequest(Conv, from, Incoming: true, ts)));
    }

    private Task ForgetRequestAsync(string userId, string peer) =>
        Task.WhenAll(User(userId).RemoveRequest(peer), User(peer).RemoveRequest(userId));

    private void EnsureRequestedBy(string peer, string action)
    {
        if (Status != DmStatus.Requested || state.State.RequestedBy != peer)
        {
            throw ChatException.Conflict($"cannot {action}: there is no pending request from '{peer}'");
        }
    }

    /// <summary>Remembers a user's profile as their own call gives it; persisted with the next status change.</summary>
    private void Learn(UserProfile profile) => state.State.Profiles[profile.Id] = profile;

    private async Task<UserProfile> ProfileOf(string userId) =>
        state.State.Profiles.GetValueOrDefault(userId)
        ?? await User(userId).GetProfile()
        ?? new UserProfile(userId, userId, null);

    private async Task SetStatus(DmStatus status, string? requestedBy)
    {
        state.State.Status = status;
        state.State.RequestedBy = requestedBy;
        await state.WriteStateAsync();
    }

    /// <summary>The conversation's state as every action answers it; tests read it through a test-only grain extension.</summary>
    internal DmState Snapshot() => new(Conv, Status, state.State.RequestedBy);

    private IUserGrain User(string userId) => GrainFactory.GetGrain<IUserGrain>(userId);

    /// <summary>
    /// Pushes the frame with one one-way call per gateway holding connections of the users, issued in the order of
    /// the conversation's events. Never fails: what is not delivered live is read from history.
    /// </summary>
    private async Task Deliver(ServerFrame frame, params string[] userIds)
    {
        try
        {
            await LearnWhereConnected(userIds);
            foreach (var (_, gateway, users) in ByGateway(userIds))
            {
                metrics.FanOutCall("dm");
                gateway.DeliverToUsers(users, frame).Ignore();
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogDeliveryFailed(e, Conv, frame.GetType().Name);
        }
    }

    private async Task DeliverAfter(Task previous, ServerFrame frame, params string[] userIds)
    {
        await previous;
        await Deliver(frame, userIds);
    }

    /// <summary>Asks the users where they are connected unless they have been telling this open conversation.</summary>
    private async ValueTask LearnWhereConnected(string[] userIds)
    {
        foreach (var userId in userIds)
        {
            if (Status != DmStatus.Open || !_whereConnected.ContainsKey(userId))
            {
                Remember(await User(userId).GetGateways());
            }
        }
    }

    /// <summary>Each gateway holding a connection of the users, with the users it holds (plain loops: this runs per message).</summary>
    private List<(string Id, IGatewayObserver Gateway, List<string> Users)> ByGateway(string[] userIds)
    {
        if (_route is { } route && route.Users.AsSpan().SequenceEqual(userIds))
        {
            return route.ByGateway;
        }

        var byGateway = new List<(string Id, IGatewayObserver Gateway, List<string> Users)>(2);
        foreach (var userId in userIds)
        {
            var gateways = _whereConnected[userId].Gateways;
            for (var g = 0; g < gateways.Count; g++)
            {
                var gateway = gateways[g];
                var at = IndexOf(byGateway, gateway.GatewayId);
                if (at < 0)
                {
                    byGateway.Add((gateway.GatewayId, gateway.Observer, [userId]));
                }
                else
                {
                    byGateway[at].Users.Add(userId);
                }
            }
        }

        _route = (userIds, byGateway);
        return byGateway;
    }

    private static int IndexOf(List<(string Id, IGatewayObserver Gateway, List<string> Users)> byGateway, string gatewayId)
    {
        for (var i = 0; i < byGateway.Count; i++)
        {
            if (byGateway[i].Id == gatewayId)
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>Keeps the newest announcement per user: announcements can arrive swapped.</summary>
    private void Remember(UserGateways user)
    {
        if (!_whereConnected.TryGetValue(user.UserId, out var known) || known.Version < user.Version)
        {
            _whereConnected[user.UserId] = user;
            _route = null;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Conversation {Conv}: delivering {Frame} failed; the users can read it from history")]
    private partial void LogDeliveryFailed(Exception exception, string conv, string frame);
}
