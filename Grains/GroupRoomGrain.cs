using Microsoft.Extensions.Options;
using OrleansChat.Grains.Conversations;
using OrleansChat.Grains.Gateways;
using OrleansChat.Grains.MessageLog;
using OrleansChat.Model;
using OrleansChat.Protocol;

namespace OrleansChat.Grains;

[GenerateSerializer]
public sealed class RoomState
{
    [Id(0)]
    public Dictionary<string, UserProfile> Members { get; set; } = new(StringComparer.Ordinal);

    [Id(1)]
    public DateTimeOffset? CreatedAt { get; set; }
}

/// <summary>
/// A group room: members are persisted; which gateways host its online members is not (gateways renew it).
/// A message costs one log append and one call per live gateway, whatever the member count.
/// </summary>
public sealed class GroupRoomGrain(
    [PersistentState("room", "chat")] IPersistentState<RoomState> state,
    IMessageLog log,
    IOptions<ChatOptions> options,
    TimeProvider time) : Grain, IGroupRoomGrain
{
    private readonly GatewaySubscriptions _gateways = new(time, options.Value.SubscriptionExpiry);
    private ConversationSequencer? _sequencer;

    private string Room => this.GetPrimaryKeyString();

    private ConversationSequencer Sequencer => _sequencer ??= new(ConversationId.ForRoom(Room), log, options.Value);

    private long NowMs => time.GetUtcNow().ToUnixTimeMilliseconds();

    public async Task Join(UserProfile user, GatewayRef gateway)
    {
        if (!ConversationId.IsValidName(Room))
        {
            throw ChatException.BadRequest($"'{Room}' is not a valid room name");
        }

        _gateways.Add(gateway, user.Id);
        if (IsMember(user.Id))
        {
            return;
        }

        state.State.Members[user.Id] = user;
        state.State.CreatedAt ??= time.GetUtcNow();
        await state.WriteStateAsync();
        await GrainFactory.GetGrain<IUserGrain>(user.Id).AddRoom(Room);
        Broadcast(new RoomJoinedEvent(Room, user, NowMs));
    }

    public async Task Leave(string userId)
    {
        if (!state.State.Members.Remove(userId, out var user))
        {
            throw ChatException.NotFound($"not a member of room '{Room}'");
        }

        await state.WriteStateAsync();
        await GrainFactory.GetGrain<IUserGrain>(userId).RemoveRoom(Room);
        Broadcast(new RoomLeftEvent(Room, user, NowMs)); // still reaches the leaver's own gateways
        _gateways.RemoveEverywhere(userId);
    }

    public async Task<SendReceipt> Send(UserProfile from, string? clientId, MessageBody body)
    {
        EnsureMember(from.Id);
        var (message, duplicate) = await Sequencer.AppendAsync(from, clientId, body, NowMs);
        if (!duplicate)
        {
            Broadcast(RoomMessageEvent.Of(Room, message));
        }

        return new SendReceipt(message.Conv, message.Seq, message.Ts, duplicate);
    }

    public Task<IReadOnlyList<RoomMember>> GetMembers(string askingUserId)
    {
        EnsureMember(askingUserId);
        IReadOnlyList<RoomMember> members = [.. state.State.Members.Values.Select(u => new RoomMember(u, _gateways.IsLive(u.Id)))];
        return Task.FromResult(members);
    }

    public Task Attach(GatewayRef gateway, string userId)
    {
        if (IsMember(userId))
        {
            _gateways.Add(gateway, userId);
        }

        return Task.CompletedTask;
    }

    public Task Detach(string gatewayId, string userId)
    {
        _gateways.Remove(gatewayId, userId);
        return Task.CompletedTask;
    }

    public Task Renew(GatewayRef gateway, IReadOnlyCollection<string> onlineUserIds)
    {
        _gateways.Renew(gateway, onlineUserIds.Where(IsMember));
        _gateways.RemoveExpired(time.GetUtcNow());
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

    public Task<int> GetSubscribedGatewayCount() => Task.FromResult(_gateways.LiveCount);

    private bool IsMember(string userId) => state.State.Members.ContainsKey(userId);

    private void EnsureMember(string userId)
    {
        if (!IsMember(userId))
        {
            throw ChatException.Forbidden($"not a member of room '{Room}'");
        }
    }

    /// <summary>One one-way call per live gateway; each gateway fans out to its own sockets in the room.</summary>
    private void Broadcast(ServerFrame frame)
    {
        _gateways.RemoveExpired(time.GetUtcNow());
        foreach (var gateway in _gateways.LiveObservers)
        {
            ChatMetrics.FanOutCall("room");
            gateway.DeliverToRoom(Room, frame).Ignore();
        }
    }
}
