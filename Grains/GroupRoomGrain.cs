using Microsoft.Extensions.Options;
using OrleansChat.Grains.Conversations;
using OrleansChat.Grains.Gateways;
using OrleansChat.Grains.MessageLog;
using OrleansChat.Grains.Rooms;
using OrleansChat.Model;
using OrleansChat.Protocol;

namespace OrleansChat.Grains;

/// <summary>
/// A group room: its metadata is the grain state, each member a row of <see cref="IRoomMemberStore"/> (so a join
/// writes one row, whatever the room's size); which gateways host its online members is not persisted (gateways renew it).
/// A message costs one log append and one call per live gateway, whatever the member count.
/// Permissions (visibility, roles, invitations, mutes, bans) are checked here, per <see cref="RoomPolicy"/>.
/// </summary>
public sealed partial class GroupRoomGrain(
    [PersistentState("room", "chat")] IPersistentState<RoomState> state,
    IMessageLog log,
    IRoomMemberStore members,
    IOptions<ChatOptions> options,
    TimeProvider time,
    ChatMetrics metrics) : Grain, IGroupRoomGrain
{
    private readonly GatewaySubscriptions _gateways = new(time, options.Value.SubscriptionExpiry);
    private ConversationSequencer? _sequencer;

    private string Room => this.GetPrimaryKeyString();

    private ConversationSequencer Sequencer => _sequencer ??= new(ConversationId.ForRoom(Room), log, options.Value);

    private long NowMs => time.GetUtcNow().ToUnixTimeMilliseconds();

    public async Task<long> Join(UserProfile user, GatewayRef gateway)
    {
        EnsureValidName();
        if (IsMember(user.Id))
        {
            BeforePresenceChange();
            _gateways.Add(gateway, user.Id);
            AfterPresenceChange();
            return await Sequencer.LastSeqAsync();
        }

        EnsureMayJoin(user.Id);
        await ReserveRoomAsync(user.Id);
        BeforePresenceChange();
        _gateways.Add(gateway, user.Id); // before the announcement, which the joiner sees too
        await AddMemberAsync(user);
        AfterPresenceChange();
        return await Sequencer.LastSeqAsync(); // the durable seq, read after the gateway was added: sends still in flight are fanned out to it
    }

    public async Task<long> Create(UserProfile owner, RoomVisibility visibility, GatewayRef gateway)
    {
        EnsureValidName();
        if (State.CreatedAt is not null || State.MemberCount > 0)
        {
            throw ChatException.Conflict($"room '{Room}' already exists");
        }

        await ReserveRoomAsync(owner.Id);
        State.Visibility = visibility;
        _gateways.Add(gateway, owner.Id);
        await AddMemberAsync(owner);
        return await Sequencer.LastSeqAsync();
    }

    public async Task Leave(string userId)
    {
        var wasOwner = State.RoleOf(userId) == RoomRole.Owner;
        var user = await RemoveMemberAsync(userId) ?? throw ChatException.NotFound($"not a member of room '{Room}'");
        var heir = wasOwner ? await PassOwnershipAsync() : null;
        await GrainFactory.GetGrain<IUserGrain>(userId).RemoveRoom(Room);
        Announcer.Left(user); // announced at once, it still reaches the leaver's own gateways
        _gateways.RemoveEverywhere(userId);
        if (heir is not null)
        {
            Broadcast(new RoomRoleEvent(Room, heir, RoomRole.Owner, user, NowMs));
        }
    }

    public async Task<SendReceipt> Send(UserProfile from, string? clientId, MessageBody body)
    {
        EnsureMember(from.Id);
        if (State.MuteEnd(from.Id, time.GetUtcNow()) is { } until)
        {
            throw ChatException.Forbidden($"you are muted in room '{Room}' until {until:O}");
        }

        body = WithValidMentions(body, from.Id);
        var (message, duplicate) = await Sequencer.AppendAsync(from, clientId, body, NowMs);
        if (!duplicate)
        {
            BroadcastMessage(RoomMessageEvent.Of(Room, message));
            RecordActivity(message);
            NotifyStored(message);
            NoteSentForReceipts(message);
        }

        return new SendReceipt(message.Conv, message.Seq, message.Ts, duplicate);
    }

    public Task<SendOutcome[]> SendBatch(UserProfile from, OutgoingMessage[] messages) =>
        SendBatches.RunAsync(messages, m => Send(from, m.ClientId, m.Body));

    public async Task<RoomMemberList> GetMemberPage(string askingUserId, string? after, int? limit)
    {
        EnsureMember(askingUserId);
        var size = Math.Clamp(limit ?? options.Value.MaxMemberPageSize, 1, options.Value.MaxMemberPageSize);
        var page = await members.ListMembersAsync(Room, after, size);
        var now = time.GetUtcNow();
        return new RoomMemberList([.. page.Members.Select(r => ToRoomMember(r, now))], page.Next);
    }

    public Task Attach(GatewayRef gateway, string userId)
    {
        if (IsMember(userId))
        {
            BeforePresenceChange();
            _gateways.Add(gateway, userId);
            AfterPresenceChange();
        }

        return Task.CompletedTask;
    }

    public Task Detach(string gatewayId, string userId)
    {
        BeforePresenceChange();
        _gateways.Remove(gatewayId, userId);
        AfterPresenceChange();
        return Task.CompletedTask;
    }

    public Task Renew(GatewayRef gateway, IReadOnlyCollection<string> onlineUserIds)
    {
        BeforePresenceChange();
        _gateways.Renew(gateway, onlineUserIds.Where(IsMember));
        _gateways.RemoveExpired(time.GetUtcNow());
        AfterPresenceChange();
        return Task.CompletedTask;
    }

    public Task<MessagePage> ReadBefore(string userId, long? beforeSeq, int limit)
    {
        EnsureMember(userId);
        return Sequencer.ReadBeforeAsync(beforeSeq, limit);
    }

    public Task<MessagePage> ReadAfter(string userId, long afterSeq, int limit)
    {
        EnsureMember(userId);
        return Sequencer.ReadAfterAsync(afterSeq, limit);
    }

    /// <summary>How many gateways the room would notify now: for tests (through a test-only grain extension) and diagnostics.</summary>
    internal int SubscribedGatewayCount => _gateways.LiveCount;

    private RoomState State => state.State;

    private bool IsMember(string userId) => State.IsMember(userId);

    /// <summary>Read on every join and leave (<see cref="MembershipAnnouncer"/>): must stay cheap.</summary>
    private int MemberCount => State.MemberCount;

    private void EnsureValidName()
    {
        if (!ConversationId.IsValidName(Room))
        {
            throw ChatException.BadRequest($"'{Room}' is not a valid room name");
        }
    }

    private void EnsureMayJoin(string userId)
    {
        if (State.Roster.IsBanned(userId))
        {
            throw ChatException.Forbidden($"you are banned from room '{Room}'");
        }

        if (State.Visibility == RoomVisibility.Private && !State.Roster.IsInvited(userId))
        {
            throw ChatException.Forbidden($"room '{Room}' is private: you need an invitation");
        }
    }

    /// <summary>Chat:MaxRoomsPerUser, checked by the user's grain so that it holds cluster-wide; refused with forbidden.</summary>
    private Task ReserveRoomAsync(string userId) => GrainFactory.GetGrain<IUserGrain>(userId).ReserveRoom(Room);

    /// <summary>The first member of an empty room becomes its owner; an invitation is used up by joining.</summary>
    private async Task AddMemberAsync(UserProfile user)
    {
        await WriteMetadataForJoinAsync(user.Id);
        await SaveAsync(State.Roster.RecordOf(Room, user.Id, MemberStatus.Member) with
        {
            Status = MemberStatus.Member, // an invitation is used up by joining; a mute is kept
            IsAdmin = false,
            Profile = user,
        });
        await GrainFactory.GetGrain<IUserGrain>(user.Id).AddRoom(Room, readSeq: await Sequencer.LastSeqAsync()); // history before the join is not unread
        Announcer.Joined(user);
        NotifyJoined(user);
        MembershipChanged();
    }

    private void EnsureMember(string userId)
    {
        if (!IsMember(userId))
        {
            throw ChatException.Forbidden($"not a member of room '{Room}'");
        }
    }

    /// <summary>
    /// One one-way call per live gateway; each gateway fans out to its own sockets in the room. Messages still in the
    /// outbox (<see cref="BroadcastMessage"/>) leave first, so every gateway gets the room's frames in order.
    /// </summary>
    private void Broadcast(ServerFrame frame)
    {
        FlushOutbox();
        _gateways.RemoveExpired(time.GetUtcNow());
        foreach (var gateway in _gateways.LiveObservers)
        {
            metrics.FanOutCall("room");
            gateway.DeliverToRoom(Room, frame).Ignore();
        }
    }
}
