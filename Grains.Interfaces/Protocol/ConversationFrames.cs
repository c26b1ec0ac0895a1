using OrleansChat.Model;

namespace OrleansChat.Protocol;

/// <summary>
/// One entry of a conversation list: the conversation's summary for the asking user, with their own flags.
/// <c>peer</c> is set for private chats; <c>online</c> says whether that peer has a live connection, and
/// <c>blocked</c> (present only when true) that you blocked them; <c>peerReadSeq</c> how far the peer has read (the
/// last <c>conv.receipt</c>; absent until they read something).
/// </summary>
[GenerateSerializer, Immutable]
public sealed record ConversationEntry(
    string Conv,
    ConversationKind Kind,
    string Title,
    UserProfile? Peer,
    MessagePreview? Last,
    long LastSeq,
    long ReadSeq,
    long Unread,
    bool Pinned,
    bool Muted,
    bool? Online = null,
    bool? Blocked = null,
    long? PeerReadSeq = null);

/// <summary>
/// A page of the user's conversations, pinned first, then newest activity first. <c>unread</c> is the total over every
/// conversation of the user that is not muted (not just this page); <c>next</c> is the cursor of the following page.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record ConversationPage(IReadOnlyList<ConversationEntry> Conversations, long Unread, string? Next);

/// <summary>A pending private-chat request: <c>incoming</c> when <c>user</c> asked you, else you asked them.</summary>
[GenerateSerializer, Immutable]
public sealed record PendingDmRequest(string Conv, UserProfile User, bool Incoming, long Ts);

/// <summary>The reply to <c>conv.list</c>: one page of <see cref="ConversationPage"/>.</summary>
[GenerateSerializer, Immutable]
public sealed record ConversationsReply(string? Re, IReadOnlyList<ConversationEntry> Conversations, long Unread, string? Next) : ServerFrame;

/// <summary>The reply to <c>dm.requests</c>: every pending request, incoming and outgoing, oldest first.</summary>
[GenerateSerializer, Immutable]
public sealed record DmRequestsReply(string? Re, IReadOnlyList<PendingDmRequest> Requests) : ServerFrame;

/// <summary>Your read seq of <c>conv</c> moved (on any of your devices); <c>unread</c> is what is left unread there.</summary>
[GenerateSerializer, Immutable]
public sealed record ConvReadEvent(string Conv, long Seq, long Unread) : ServerFrame;

/// <summary>Your pinned or muted flag of <c>conv</c> changed (on any of your devices).</summary>
[GenerateSerializer, Immutable]
public sealed record ConvSettingsEvent(string Conv, bool Pinned, bool Muted) : ServerFrame;

/// <summary>A page of your conversations after <c>cursor</c> (the <c>next</c> of the previous page), at most <c>limit</c>.</summary>
public sealed record ConvListCommand(string? Cursor = null, int? Limit = null) : ClientFrame;

/// <summary>
/// Moves your read seq of <c>conv</c> forward to <c>seq</c> (never back, never past the last message). <c>private</c>:
/// no read receipt is sent.
/// </summary>
public sealed record ConvReadCommand(string Conv, long Seq, bool Private = false) : ClientFrame;

/// <summary>Hides the message at <c>seq</c> of <c>conv</c> for you only, on all your devices.</summary>
public sealed record MsgDeleteCommand(string Conv, long Seq) : ClientFrame;

/// <summary>
/// A read receipt. Private chat: the peer <c>user</c> read up to <c>seq</c>. Room (of up to Chat:ReceiptMaxMembers):
/// <c>reads</c>, for each of the room's recent seqs, how many members other than its sender have read up to it, and
/// <c>members</c>, the room's member count; coalesced to at most one frame a second per room.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record ConvReceiptEvent(string Conv, string? User, long? Seq, IReadOnlyList<ReadCount>? Reads = null, int? Members = null) : ServerFrame;

/// <summary>How many members other than its sender have read the message <c>seq</c> (their read seq is at least it).</summary>
[GenerateSerializer, Immutable]
public sealed record ReadCount(long Seq, int Count);

/// <summary>Who has read the message <c>seq</c> of a room (its sender left out), in user id order.</summary>
public sealed record ConvReadersCommand(string Conv, long Seq) : ClientFrame;

/// <summary>The reply to <c>conv.readers</c>: the members whose read seq is at least <c>seq</c>, its sender left out.</summary>
[GenerateSerializer, Immutable]
public sealed record ReadersReply(string? Re, string Conv, long Seq, IReadOnlyList<UserProfile> Readers) : ServerFrame;

/// <summary>
/// Members of a room (of up to Chat:PresenceMaxMembers) who came online (first connection) or went offline (last one
/// closed) since the previous frame; coalesced to at most one frame a second per room. User ids, in id order.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record RoomPresenceEvent(string Room, string Conv, IReadOnlyList<string> Online, IReadOnlyList<string> Offline) : ServerFrame;

/// <summary>A page of public rooms whose name starts with <c>prefix</c> (every public room when empty), after <c>cursor</c>.</summary>
public sealed record RoomListCommand(string? Prefix = null, string? Cursor = null, int? Limit = null) : ClientFrame;

/// <summary>One public room of a <c>rooms</c> page: its name, conversation id and member count.</summary>
[GenerateSerializer, Immutable]
public sealed record RoomListing(string Id, string Name, string Conv, int Members);

/// <summary>The reply to <c>room.list</c>: rooms in name order; <c>next</c> is the <c>cursor</c> of the following page.</summary>
[GenerateSerializer, Immutable]
public sealed record RoomsReply(string? Re, IReadOnlyList<RoomListing> Rooms, string? Next) : ServerFrame;

/// <summary>You deleted the message at <c>seq</c> of <c>conv</c> for yourself (on any of your devices).</summary>
[GenerateSerializer, Immutable]
public sealed record MsgDeletedEvent(string Conv, long Seq) : ServerFrame;

public sealed record ConvPinCommand(string Conv, bool Pinned = true) : ClientFrame;

public sealed record ConvMuteCommand(string Conv, bool Muted = true) : ClientFrame;

/// <summary>
/// Rooms: <c>on</c> (default) asks to be notified of every message of the room while you are away, not only of those
/// mentioning you; <c>false</c> turns it off. Private chats always notify.
/// </summary>
public sealed record ConvNotifyCommand(string Conv, bool On = true) : ClientFrame;

/// <summary>Lists your pending private-chat requests, incoming and outgoing.</summary>
public sealed record DmRequestsCommand : ClientFrame;

/// <summary>Recalls the message at <c>seq</c> of <c>conv</c> (see <see cref="RecallBody"/>).</summary>
public sealed record MsgRecallCommand(string Conv, long Seq) : ClientFrame;

/// <summary>Says you started (<c>on</c>) or stopped typing in <c>conv</c>; ephemeral, never stored.</summary>
public sealed record TypingCommand(string Conv, bool On = true) : ClientFrame;

/// <summary>Blocks <c>user</c>: they can no longer ask you for a private chat or send you private messages.</summary>
public sealed record UserBlockCommand(string User) : ClientFrame;

public sealed record UserUnblockCommand(string User) : ClientFrame;

/// <summary>Lists the users you blocked.</summary>
public sealed record UserBlocksCommand : ClientFrame;

/// <summary>
/// <c>user</c> is typing in <c>conv</c> (<c>on</c>) or stopped. A client shows it for at most <see cref="ExpiresInMs"/>
/// unless renewed; the server also sends <c>on: false</c> when a typist stops renewing.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record TypingEvent(string Conv, UserProfile User, bool On, long ExpiresInMs) : ServerFrame;

/// <summary>The reply to <c>user.blocks</c>: the ids of the users you blocked, in id order.</summary>
[GenerateSerializer, Immutable]
public sealed record BlocksReply(string? Re, IReadOnlyList<string> Users) : ServerFrame;

/// <summary>Withdraws your pending request to <c>to</c>.</summary>
public sealed record DmCancelCommand(string To) : ClientFrame;
