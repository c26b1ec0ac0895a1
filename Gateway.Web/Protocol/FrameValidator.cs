using System.Buffers;
using Microsoft.Extensions.Options;
using OrleansChat.Grains;
using OrleansChat.Model;
using OrleansChat.Protocol;

namespace OrleansChat.Gateway.Protocol;

/// <summary>The content rules a well-formed frame must still meet: names, body limits, page sizes.</summary>
public sealed class FrameValidator(IOptions<ProtocolOptions> options, IOptions<ChatOptions> chat, MediaUrlPolicy media)
{
    private const int MaxMediaDimension = 100_000;
    private static readonly int MaxAudioMs = (int)TimeSpan.FromHours(1).TotalMilliseconds;
    private const int MaxReasonLength = 200;
    private static readonly long MaxMuteMs = (long)TimeSpan.FromDays(30).TotalMilliseconds;
    private const int MaxNotifyTemplates = 10;
    private const int MaxTemplateIdLength = 128;

    /// <summary>
    /// C0 control characters other than tab, line feed and carriage return: U+0000 cannot be stored by every log
    /// (PostgreSQL text), and the rest (escape, backspace, bell...) only serve to garble or spoof what other clients,
    /// terminals and log viewers show. DEL and C1 controls are left alone: they are ordinary Unicode text.
    /// </summary>
    private static readonly SearchValues<char> ForbiddenControls =
        SearchValues.Create([.. Enumerable.Range(0, 0x20).Select(c => (char)c).Where(c => c is not ('\t' or '\n' or '\r'))]);

    private readonly ProtocolOptions _options = options.Value;

    /// <summary>The grains cap pages at the same <see cref="ChatOptions.MaxPageSize"/>: a larger <c>limit</c> is refused here.</summary>
    private readonly int _maxPageSize = chat.Value.MaxPageSize;

    /// <summary>Null when the frame may be handled, else the error to reply with.</summary>
    public ChatException? Check(ClientFrame frame) => frame switch
    {
        RoomJoinCommand c => CheckRoom(c.Room),
        RoomLeaveCommand c => CheckRoom(c.Room),
        RoomMembersCommand c => CheckRoom(c.Room) ?? CheckMembersPage(c),
        RoomSendCommand c => CheckRoom(c.Room) ?? CheckBody(c.Body),
        DmRequestCommand c => CheckUser(c.To, "to"),
        DmAcceptCommand c => CheckUser(c.From, "from"),
        DmDeclineCommand c => CheckUser(c.From, "from"),
        DmLeaveCommand c => CheckUser(c.With, "with"),
        DmSendCommand c => CheckUser(c.To, "to") ?? CheckBody(c.Body),
        HistoryCommand c => CheckConv(c.Conv) ?? CheckHistoryPage(c),
        SyncCommand c => CheckSync(c),
        RoomCreateCommand c => CheckRoom(c.Room),
        RoomInviteCommand c => CheckRoomAndUser(c.Room, c.User),
        RoomKickCommand c => CheckRoomAndUser(c.Room, c.User) ?? CheckReason(c.Reason),
        RoomMuteCommand c => CheckRoomAndUser(c.Room, c.User) ?? CheckMuteDuration(c.DurationMs),
        RoomUnmuteCommand c => CheckRoomAndUser(c.Room, c.User),
        RoomBanCommand c => CheckRoomAndUser(c.Room, c.User) ?? CheckReason(c.Reason),
        RoomUnbanCommand c => CheckRoomAndUser(c.Room, c.User),
        RoomRoleCommand c => CheckRoomAndUser(c.Room, c.User) ?? CheckAssignableRole(c.Role),
        RoomNoticesCommand c => CheckRoom(c.Room),
        ConvListCommand c => c.Limit is < 1 ? ChatException.BadRequest("limit must be at least 1") : null,
        ConvReadCommand c => CheckConv(c.Conv) ?? (c.Seq < 0 ? ChatException.BadRequest("seq must be >= 0") : null),
        ConvPinCommand c => CheckConv(c.Conv),
        ConvMuteCommand c => CheckConv(c.Conv),
        ConvNotifyCommand c => CheckConv(c.Conv),
        DmCancelCommand c => CheckUser(c.To, "to"),
        TypingCommand c => CheckConv(c.Conv),
        MsgDeleteCommand c => CheckConv(c.Conv) ?? (c.Seq < 1 ? ChatException.BadRequest("seq must be a message's seq (>= 1)") : null),
        UserBlockCommand c => CheckUser(c.User, "user"),
        UserUnblockCommand c => CheckUser(c.User, "user"),
        ConvReadersCommand c => CheckConv(c.Conv) ?? (c.Seq < 1 ? ChatException.BadRequest("seq must be a message's seq (>= 1)") : null),
        RoomListCommand c => CheckRoomList(c),
        MsgRecallCommand c => CheckConv(c.Conv) ?? (c.Seq < 1 ? ChatException.BadRequest("seq must be a message's seq (>= 1)") : null),
        NotifyCreditsCommand c => CheckNotifyResults(c),
        _ => null,
    };

    /// <summary>A prefix is the start of a room name (empty lists every public room); the cursor is a room name.</summary>
    private static ChatException? CheckRoomList(RoomListCommand c) =>
        c.Prefix is { Length: > 0 } prefix && !ConversationId.IsValidName(prefix) ? ChatException.BadRequest("\"prefix\" must be the start of a room name (letters, digits, '_' or '-')")
        : c.Cursor is { } cursor && !ConversationId.IsValidName(cursor) ? ChatException.BadRequest("\"cursor\" must be the \"next\" of a previous page")
        : c.Limit is < 1 ? ChatException.BadRequest("limit must be at least 1")
        : null;

    private static ChatException? CheckRoom(string room) =>
        ConversationId.IsValidName(room) ? null : ChatException.BadRequest("\"room\" must be 1-64 letters, digits, '_' or '-'");

    private static ChatException? CheckUser(string userId, string field) =>
        ConversationId.IsValidName(userId) ? null : ChatException.BadRequest($"\"{field}\" must be a user id (1-64 letters, digits, '_' or '-')");

    private static ChatException? CheckRoomAndUser(string room, string userId) => CheckRoom(room) ?? CheckUser(userId, "user");

    private static ChatException? CheckReason(string? reason) =>
        reason is { Length: > MaxReasonLength } ? ChatException.BadRequest($"reason must be at most {MaxReasonLength} characters") : null;

    private static ChatException? CheckMuteDuration(long durationMs) =>
        durationMs is < 1 || durationMs > MaxMuteMs ? ChatException.BadRequest($"durationMs must be 1-{MaxMuteMs} (30 days)") : null;

    private static ChatException? CheckAssignableRole(RoomRole role) =>
        role is RoomRole.Admin or RoomRole.Member ? null : ChatException.BadRequest("role must be admin or member (ownership is not transferable)");

    private static ChatException? CheckConv(string conv) =>
        ConversationId.TryParseRoom(conv, out _) || ConversationId.TryParseDm(conv, out _, out _)
            ? null
            : ChatException.BadRequest($"\"conv\" must be room:<name> or dm:<idA>:<idB> with the ids in order, not \"{conv}\"");

    private ChatException? CheckBody(MessageBody body) => body switch
    {
        TextBody t when string.IsNullOrWhiteSpace(t.Text) => ChatException.BadRequest("text must not be empty"),
        TextBody t when t.Text.AsSpan().IndexOfAny(ForbiddenControls) is >= 0 and var at =>
            ChatException.BadRequest($"text must not contain the control character U+{(int)t.Text[at]:X4} (only tab, line feed and carriage return)"),
        TextBody t when t.Text.Length > _options.MaxTextLength =>
            new ChatException(ChatErrorCode.TooLarge, $"text longer than {_options.MaxTextLength} characters"),
        ImageBody or AudioBody when MediaReferenceProblem(body) is { } problem => ChatException.BadRequest(problem),
        ImageBody { MediaId: not null } or AudioBody { MediaId: not null } => null, // the gateway fills in the rest (MediaBodies)
        ImageBody { Url: null } or AudioBody { Url: null } => ChatException.BadRequest("an image or audio body needs a mediaId (an upload) or a url"),
        ImageBody i when media.Problem(i.Url!, "image url") is { } problem => ChatException.BadRequest(problem),
        ImageBody i when i.Width is < 1 or > MaxMediaDimension || i.Height is < 1 or > MaxMediaDimension =>
            ChatException.BadRequest($"image width and height must be 1-{MaxMediaDimension}"),
        AudioBody a when media.Problem(a.Url!, "audio url") is { } problem => ChatException.BadRequest(problem),
        AudioBody a when a.DurationMs < 1 || a.DurationMs > MaxAudioMs => ChatException.BadRequest($"durationMs must be 1-{MaxAudioMs}"),
        RecallBody or RecalledBody => ChatException.BadRequest("recall bodies are written by the server: use msg.recall"),
        _ => null,
    };

    /// <summary>A client names an upload by id alone, and never sets the URLs the server signs.</summary>
    private static string? MediaReferenceProblem(MessageBody body) => body switch
    {
        ImageBody { ThumbUrl: not null } => "thumbUrl is set by the server",
        ImageBody { MediaId: not null, Url: not null } or AudioBody { MediaId: not null, Url: not null } => "send either a mediaId or a url, not both",
        ImageBody { MediaId: { } id } when !Media.Storage.MediaIds.IsWellFormed(id) => "mediaId must be the id POST /api/media answered",
        AudioBody { MediaId: { } id } when !Media.Storage.MediaIds.IsWellFormed(id) => "mediaId must be the id POST /api/media answered",
        _ => null,
    };

    private ChatException? CheckHistoryPage(HistoryCommand c) =>
        c.Limit is < 1 || c.Limit > _maxPageSize ? ChatException.BadRequest($"limit must be 1-{_maxPageSize}")
        : c.Before is < 1 ? ChatException.BadRequest("before must be a seq (>= 1)")
        : null;

    /// <summary>The cursor is the last user id of the previous page; the grain caps the limit at Chat:MaxMemberPageSize.</summary>
    private static ChatException? CheckMembersPage(RoomMembersCommand c) =>
        c.Limit is < 1 ? ChatException.BadRequest("limit must be at least 1")
        : c.Cursor is not null && !ConversationId.IsValidName(c.Cursor) ? ChatException.BadRequest("\"cursor\" must be the \"next\" of a members page")
        : null;

    /// <summary>wx.requestSubscribeMessage takes at most 3 templates a call; a few more leave room for a change of WeChat's mind.</summary>
    private static ChatException? CheckNotifyResults(NotifyCreditsCommand c) =>
        c.Results.Count is 0 or > MaxNotifyTemplates ? ChatException.BadRequest($"results must name 1-{MaxNotifyTemplates} templates")
        : c.Results.Keys.Any(t => t.Length is 0 or > MaxTemplateIdLength) ? ChatException.BadRequest($"a template id is 1-{MaxTemplateIdLength} characters")
        : null;

    private ChatException? CheckSync(SyncCommand c)
    {
        if (c.Cursors.Count > _options.MaxSyncConversations)
        {
            return new ChatException(ChatErrorCode.TooLarge, $"at most {_options.MaxSyncConversations} conversations per sync");
        }

        foreach (var (conv, seq) in c.Cursors)
        {
            if (CheckConv(conv) is { } error)
            {
                return error;
            }

            if (seq < 0)
            {
                return ChatException.BadRequest($"cursor of {conv} must be >= 0");
            }
        }

        return null;
    }
}
