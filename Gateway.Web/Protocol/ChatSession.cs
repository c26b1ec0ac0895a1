using System.Net.WebSockets;
using Microsoft.Extensions.Options;
using OrleansChat.Gateway.Limits;
using OrleansChat.Gateway.Sockets;
using OrleansChat.Grains;
using OrleansChat.Model;
using OrleansChat.Protocol;

namespace OrleansChat.Gateway.Protocol;

/// <summary>
/// Protocol v1 for one connection: reads each client frame, checks it, calls the grains and replies on the same
/// socket. Sends are pipelined (<see cref="SendPipeline"/>): up to <c>Protocol:MaxSendsInFlight</c> commit at once, in
/// the order sent per conversation, while the next frames are read. Any other frame (a <c>ping</c> too) is handled once
/// the sends read before it are answered, one frame at a time. A refused frame gets an <c>error</c> and the connection
/// goes on.
/// </summary>
public sealed partial class ChatSession(
    ClientConnection connection,
    LocalGateway gateway,
    IGrainFactory grains,
    FrameReader reader,
    FrameValidator validator,
    ConnectionRateLimit rateLimit,
    TimeProvider time,
    IOptions<ProtocolOptions> protocol,
    ILogger<ChatSession> logger,
    Observability.GatewayMetrics metrics,
    Media.MediaBodies media) : IFrameHandler
{
    // Made on first use: an idle connection should not pay for them.
    private RecentGrains<IGroupRoomGrain>? _rooms;
    private RecentGrains<IPrivateChatGrain>? _dms;
    private SendPipeline? _sends;

    private UserProfile Me => connection.User;

    public async ValueTask OnMessageAsync(WebSocketMessageType type, ReadOnlyMemory<byte> payload)
    {
        if (type != WebSocketMessageType.Text)
        {
            if (IsRateLimited(null, null))
            {
                return;
            }

            Reply(new ErrorReply(null, ChatErrorCode.BadRequest, "binary frames are not accepted: send JSON text frames"));
            return;
        }

        var frame = reader.Read(payload, out var error);
        if (IsRateLimited(frame, frame?.Id ?? error?.Re))
        {
            return;
        }

        if (frame is null)
        {
            Reply(new ErrorReply(error!.Re, error.Code, error.Message));
            return;
        }

        if (frame is RoomSendCommand or DmSendCommand)
        {
            await SendAsync(frame);
            return;
        }

        await HandleAfterTheSendsAsync(frame);
    }

    /// <summary>Handles a frame once the pipelined sends read before it are answered.</summary>
    private async ValueTask HandleAfterTheSendsAsync(ClientFrame frame)
    {
        if (_sends is { } sends)
        {
            // A leave or a history read must see the sends read before it, and every reply to an earlier frame comes
            // before this one's (a client's ping after a batch is answered last); an idle pipeline completes at once.
            await sends.DrainAsync();
        }

        Reply(await HandleSafelyAsync(frame));
    }

    public void Reply(ServerFrame frame) => connection.Writer.Send(ProtocolJson.Serialize(frame));

    /// <summary>Answers <c>rate_limited</c> (with when to retry) instead of handling the frame; the connection stays open.</summary>
    private bool IsRateLimited(ClientFrame? frame, string? re)
    {
        if (rateLimit.Check(frame) is not { } retryAfter)
        {
            return false;
        }

        var ms = (long)Math.Ceiling(retryAfter.TotalMilliseconds);
        Reply(new ErrorReply(re, ChatErrorCode.RateLimited, $"rate limit reached: retry after {ms} ms", ms));
        return true;
    }

    /// <summary>Hands a send to the pipeline; waits (and so stops reading the socket) only while the bound is reached.</summary>
    private ValueTask SendAsync(ClientFrame frame)
    {
        try
        {
            if (validator.Check(frame) is { } invalid)
            {
                throw invalid;
            }

            if (frame is RoomSendCommand { Body: ImageBody or AudioBody } or DmSendCommand { Body: ImageBody or AudioBody })
            {
                // A media body is resolved (its upload found and its owner checked, ChatSession.Media.cs) before the
                // grain sees it: such sends go one at a time, in order after the pipelined ones.
                return HandleAfterTheSendsAsync(frame);
            }

            var sends = _sends ??= new SendPipeline(protocol.Value.MaxSendsInFlight, protocol.Value.SendTimeout, time, () => Me, Answer);
            return frame switch
            {
                RoomSendCommand c => sends.SendAsync((false, c.Room), Room(c.Room), c, new OutgoingMessage(c.Id, c.Body)),
                DmSendCommand c => sends.SendAsync((true, c.To), Dm(c.To), c, new OutgoingMessage(c.Id, c.Body)),
                _ => throw new ArgumentOutOfRangeException(nameof(frame), frame.GetType().Name, "not a send"),
            };
        }
        catch (ChatException e)
        {
            Reply(new ErrorReply(frame.Id, e.Code, e.Message));
            return ValueTask.CompletedTask;
        }
    }

    /// <summary>The answer to one pipelined send: its ack, or its error (a failure the client may retry with the same id).</summary>
    private void Answer(ClientFrame frame, SendOutcome outcome)
    {
        if (outcome.Receipt is { } receipt)
        {
            Reply(Accepted(frame, frame is RoomSendCommand ? "room" : "dm", receipt));
            return;
        }

        if (outcome.Fault is { } fault)
        {
            LogSendFailed(fault, Me.Id);
        }

        Reply(new ErrorReply(frame.Id, outcome.Error, outcome.Message ?? "the message was not sent"));
    }

    // ValueTask: a ping (400 a second from 10,000 idle sockets) completes synchronously and then allocates no task.
    private async ValueTask<ServerFrame> HandleSafelyAsync(ClientFrame frame)
    {
        try
        {
            if (validator.Check(frame) is { } invalid)
            {
                throw invalid;
            }

            return await HandleAsync(frame);
        }
        catch (ChatException e)
        {
            return new ErrorReply(frame.Id, e.Code, e.Message);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            LogFrameFailed(e, frame.GetType().Name, Me.Id);
            return new ErrorReply(frame.Id, ChatErrorCode.Internal, "the server could not handle this frame; retry with the same id");
        }
    }

    private async ValueTask<ServerFrame> HandleAsync(ClientFrame frame) => frame switch
    {
        PingCommand => new PongReply(frame.Id, Now),
        RoomJoinCommand c => await JoinAsync(c),
        RoomLeaveCommand c => await LeaveAsync(c),
        RoomSendCommand { Body: ImageBody or AudioBody } c => await SendMediaAsync(c, c.Body, Room(c.Room).Send, "room"),
        RoomMembersCommand c => await MembersAsync(c),
        DmRequestCommand c => Ack(c, await Dm(c.To).Request(Me)),
        DmAcceptCommand c => Ack(c, await Dm(c.From).Accept(Me)),
        DmDeclineCommand c => Ack(c, await Dm(c.From).Decline(Me)),
        DmLeaveCommand c => Ack(c, await Dm(c.With).Leave(Me)),
        DmSendCommand { Body: ImageBody or AudioBody } c => await SendMediaAsync(c, c.Body, Dm(c.To).Send, "dm"),
        HistoryCommand c => await HistoryAsync(c),
        SyncCommand c => await SyncAsync(c),
        RoomCreateCommand c => await CreateAsync(c),
        RoomInviteCommand or RoomKickCommand or RoomMuteCommand or RoomUnmuteCommand or RoomBanCommand or RoomUnbanCommand or RoomRoleCommand
            or RoomNoticesCommand =>
            await ModerateAsync(frame),
        MsgRecallCommand c => await RecallAsync(c),
        ConvListCommand or ConvReadCommand or ConvPinCommand or ConvMuteCommand or ConvNotifyCommand or DmRequestsCommand or DmCancelCommand
            or MsgDeleteCommand or TypingCommand or UserBlockCommand or UserUnblockCommand or UserBlocksCommand =>
            await ConversationsAsync(frame),
        NotifyCreditsCommand c => await ReportNotifyCreditsAsync(c),
        ConvReadersCommand or RoomListCommand => await DiscoveryAsync(frame),
        _ => throw ChatException.BadRequest($"unsupported frame {frame.GetType().Name}"),
    };

    // Apart from HandleAsync because these lambdas capture the frame, and the closure would be allocated for every
    // frame HandleAsync handles, sends included.
    private Task<ServerFrame> ModerateAsync(ClientFrame frame) => frame switch
    {
        RoomInviteCommand c => RoomAckAsync(c, c.Room, room => room.Invite(Me, c.User)),
        RoomKickCommand c => RoomAckAsync(c, c.Room, room => room.Kick(Me, c.User, c.Reason)),
        RoomMuteCommand c => RoomAckAsync(c, c.Room, room => room.Mute(Me, c.User, TimeSpan.FromMilliseconds(c.DurationMs))),
        RoomUnmuteCommand c => RoomAckAsync(c, c.Room, room => room.Unmute(Me, c.User)),
        RoomBanCommand c => RoomAckAsync(c, c.Room, room => room.Ban(Me, c.User, c.Reason)),
        RoomUnbanCommand c => RoomAckAsync(c, c.Room, room => room.Unban(Me, c.User)),
        RoomRoleCommand c => RoomAckAsync(c, c.Room, room => room.SetRole(Me, c.User, c.Role)),
        RoomNoticesCommand c => RoomAckAsync(c, c.Room, room => room.SetNotices(Me, c.Notices)),
        _ => throw new ArgumentOutOfRangeException(nameof(frame), frame.GetType().Name, "not a room moderation frame"),
    };

    // Apart from HandleAsync for the same reason as ModerateAsync.
    private async Task<ServerFrame> ConversationsAsync(ClientFrame frame)
    {
        var me = grains.GetGrain<IUserGrain>(Me.Id);
        switch (frame)
        {
            case ConvListCommand c:
                var page = await me.ListConversations(c.Cursor, c.Limit);
                return new ConversationsReply(c.Id, page.Conversations, page.Unread, page.Next);
            case ConvReadCommand c:
                var read = await me.MarkRead(c.Conv, c.Seq, c.Private);
                return new AckReply(c.Id, read.Conv, read.Seq);
            case ConvPinCommand c:
                await me.SetFlags(c.Conv, c.Pinned, muted: null);
                return new AckReply(c.Id, c.Conv);
            case ConvMuteCommand c:
                await me.SetFlags(c.Conv, pinned: null, c.Muted);
                return new AckReply(c.Id, c.Conv);
            case ConvNotifyCommand c:
                var room = ConversationId.TryParseRoom(c.Conv, out var name) ? name
                    : throw ChatException.BadRequest("conv.notify is for rooms: private chats always notify");
                await grains.GetGrain<IGroupRoomGrain>(room).SetNotify(Me.Id, c.On);
                return new AckReply(c.Id, c.Conv);
            case DmRequestsCommand c:
                return new DmRequestsReply(c.Id, await me.GetRequests());
            case DmCancelCommand c:
                return Ack(c, await Dm(c.To).Cancel(Me));
            case MsgDeleteCommand c:
                await me.HideMessage(c.Conv, c.Seq);
                return new AckReply(c.Id, c.Conv, c.Seq);
            case TypingCommand c:
                await Conversation(c.Conv).Typing(Me, c.On);
                return new AckReply(c.Id, c.Conv);
            case UserBlockCommand c:
                await me.Block(c.User);
                return new AckReply(c.Id);
            case UserUnblockCommand c:
                await me.Unblock(c.User);
                return new AckReply(c.Id);
            case UserBlocksCommand c:
                return new BlocksReply(c.Id, await me.GetBlocks());
            default:
                throw new ArgumentOutOfRangeException(nameof(frame), frame.GetType().Name, "not a conversation frame");
        }
    }

    // Apart from HandleAsync for the same reason as ModerateAsync.
    private async Task<ServerFrame> DiscoveryAsync(ClientFrame frame)
    {
        switch (frame)
        {
            case ConvReadersCommand c:
                if (!ConversationId.TryParseRoom(c.Conv, out var room))
                {
                    throw ChatException.BadRequest("conv.readers is for rooms; a private chat's reads come as conv.receipt");
                }

                return new ReadersReply(c.Id, c.Conv, c.Seq, await Room(room).GetReaders(Me.Id, c.Seq));
            case RoomListCommand c:
                var page = await grains.GetGrain<IRoomDirectoryGrain>(0).List(c.Prefix ?? "", c.Cursor, c.Limit);
                return new RoomsReply(c.Id, page.Rooms, page.Next);
            default:
                throw new ArgumentOutOfRangeException(nameof(frame), frame.GetType().Name, "not a discovery frame");
        }
    }

    private async Task<ServerFrame> MembersAsync(RoomMembersCommand c)
    {
        var page = await Room(c.Room).GetMemberPage(Me.Id, c.Cursor, c.Limit);
        return new MembersReply(c.Id, c.Room, page.Members, page.Next);
    }

    private async Task<ServerFrame> JoinAsync(RoomJoinCommand c) =>
        new AckReply(c.Id, ConversationId.ForRoom(c.Room), Seq: await gateway.JoinRoomAsync(c.Room, connection));

    private async Task<ServerFrame> CreateAsync(RoomCreateCommand c) =>
        new AckReply(c.Id, ConversationId.ForRoom(c.Room), Seq: await gateway.CreateRoomAsync(c.Room, c.Visibility, connection));

    /// <summary>A room request whose only answer is an <c>ack</c> naming the room's conversation.</summary>
    private async Task<ServerFrame> RoomAckAsync(ClientFrame c, string room, Func<IGroupRoomGrain, Task> request)
    {
        await request(Room(room));
        return new AckReply(c.Id, ConversationId.ForRoom(room));
    }

    private async Task<ServerFrame> LeaveAsync(RoomLeaveCommand c)
    {
        await gateway.LeaveRoomAsync(c.Room, connection);
        return new AckReply(c.Id, ConversationId.ForRoom(c.Room));
    }

    private async Task<ServerFrame> HistoryAsync(HistoryCommand c)
    {
        var read = Conversation(c.Conv).ReadBefore(Me.Id, c.Before, c.Limit ?? 50);
        var hidden = await grains.GetGrain<IUserGrain>(Me.Id).GetHidden(c.Conv); // msg.delete: hidden for this user only
        var page = await read;
        var messages = hidden.Count == 0 ? page.Messages : [.. page.Messages.Where(m => !hidden.Contains(m.Seq))];
        return new HistoryReply(c.Id, c.Conv, media.Resign(messages), page.More);
    }

    /// <summary>Reads every named conversation after its cursor; one the user may not read reports its error alone.</summary>
    private async Task<ServerFrame> SyncAsync(SyncCommand c)
    {
        var reads = c.Cursors.Select(async cursor =>
        {
            try
            {
                // The grain caps the page at Chat:MaxPageSize and says "more" when it cut it.
                var page = await Conversation(cursor.Key).ReadAfter(Me.Id, cursor.Value, int.MaxValue);
                return new SyncedConversation(cursor.Key, media.Resign(page.Messages), page.More);
            }
            catch (ChatException e)
            {
                return new SyncedConversation(cursor.Key, [], More: false, e.Code);
            }
        });
        return new SyncReply(c.Id, await Task.WhenAll(reads));
    }

    private static AckReply Ack(ClientFrame c, SendReceipt receipt) => new(c.Id, receipt.Conv, receipt.Seq, receipt.Ts);

    private AckReply Accepted(ClientFrame c, string kind, SendReceipt receipt)
    {
        if (!receipt.Duplicate)
        {
            metrics.MessageAccepted(kind);
        }

        return Ack(c, receipt);
    }

    private static AckReply Ack(ClientFrame c, DmState state) => new(c.Id, state.Conv);

    private long Now => time.GetUtcNow().ToUnixTimeMilliseconds();

    private IGroupRoomGrain Room(string room) => (_rooms ??= new(r => grains.GetGrain<IGroupRoomGrain>(r))).Get(room);

    private IPrivateChatGrain Dm(string peer) =>
        string.Equals(peer, Me.Id, StringComparison.Ordinal)
            ? throw ChatException.BadRequest("a private conversation needs another user")
            : (_dms ??= new(p => grains.GetGrain<IPrivateChatGrain>(ConversationId.DmKey(Me.Id, p)))).Get(peer);

    private IConversationGrain Conversation(string conv) =>
        ConversationId.TryParseRoom(conv, out var room) ? Room(room)
        : ConversationId.TryParseDm(conv, out var a, out var b) ? grains.GetGrain<IPrivateChatGrain>(ConversationId.DmKey(a, b))
        : throw ChatException.BadRequest($"unknown conversation \"{conv}\"");

    [LoggerMessage(Level = LogLevel.Error, Message = "A send of user {UserId} failed: {Fault}")]
    private partial void LogSendFailed(string fault, string userId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Handling {Frame} for user {UserId} failed")]
    private partial void LogFrameFailed(Exception exception, string frame, string userId);
}
