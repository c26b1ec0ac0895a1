using Microsoft.Extensions.Options;
using OrleansChat.Grains.Conversations;
using OrleansChat.Grains.MessageLog;
using OrleansChat.Model;
using OrleansChat.Protocol;

namespace OrleansChat.Grains;

[GenerateSerializer]
public sealed class PrivateChatState
{
    [Id(0)]
    public DmStatus Status { get; set; }

    [Id(1)]
    public string? RequestedBy { get; set; }

    /// <summary>The two users' profiles as last seen in their own calls.</summary>
    [Id(2)]
    public Dictionary<string, UserProfile> Profiles { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>
/// A private conversation between two users: none -> requested(by) -> open, with decline and leave, and its
/// message sequence. Only the two users may act on it; history stays readable to them after a leave.
/// </summary>
public sealed class PrivateChatGrain(
    [PersistentState("dm", "chat")] IPersistentState<PrivateChatState> state,
    IMessageLog log,
    IOptions<ChatOptions> options,
    TimeProvider time) : Grain, IPrivateChatGrain
{
    private ConversationSequencer? _sequencer;

    private string Conv => ConversationId.DmPrefix + this.GetPrimaryKeyString();

    private ConversationSequencer Sequencer => _sequencer ??= new(Conv, log, options.Value);

    private DmStatus Status => state.State.Status;

    public async Task<DmState> Request(UserProfile from)
    {
        var peer = PeerOf(from.Id);
        Learn(from);
        switch (Status)
        {
            case DmStatus.None or DmStatus.Declined:
                await SetStatus(DmStatus.Requested, requestedBy: from.Id);
                await User(peer).Deliver(new DmRequestEvent(Conv, from));
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
        await User(peer).Deliver(new DmDeclinedEvent(Conv, by));
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
        await User(peer).Deliver(new DmLeftEvent(Conv, by));
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

        var (message, duplicate) = await Sequencer.AppendAsync(from, clientId, body, time.GetUtcNow().ToUnixTimeMilliseconds());
        if (!duplicate)
        {
            var frame = DmMessageEvent.Of(peer, message);
            await Task.WhenAll(User(peer).Deliver(frame), User(from.Id).Deliver(frame));
        }

        return new SendReceipt(message.Conv, message.Seq, message.Ts, duplicate);
    }

    public async Task PresenceChanged(string userId, bool online)
    {
        var peer = PeerOf(userId);
        if (Status == DmStatus.Open)
        {
            await User(peer).Deliver(new DmPresenceEvent(Conv, userId, online));
        }
    }

    public Task<DmState> GetState() => Task.FromResult(Snapshot());

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
        await Task.WhenAll(User(a).AddDmPeer(b), User(b).AddDmPeer(a));
        var (profileA, profileB) = (await ProfileOf(a), await ProfileOf(b));
        await Task.WhenAll(User(a).Deliver(new DmOpenEvent(Conv, profileB)), User(b).Deliver(new DmOpenEvent(Conv, profileA)));
    }

    /// <summary>The other user of the conversation; refuses anyone who is not one of the two.</summary>
    private string PeerOf(string userId)
    {
        var (a, b) = Parties();
        return userId == a ? b : userId == b ? a : throw ChatException.Forbidden("not a party to this conversation");
    }

    private (string A, string B) Parties()
    {
        if (!ConversationId.TryParseDm(Conv, out var a, out var b))
        {
            throw ChatException.BadRequest($"'{Conv}' is not a private conversation between two users");
        }

        return (a, b);
    }

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

    private DmState Snapshot() => new(Conv, Status, state.State.RequestedBy);

    private IUserGrain User(string userId) => GrainFactory.GetGrain<IUserGrain>(userId);
}
