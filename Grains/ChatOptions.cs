namespace OrleansChat.Grains;

/// <summary>Tuning of the chat grains, bound from the configuration section <see cref="SectionName"/>.</summary>
public sealed class ChatOptions
{
    public const string SectionName = "Chat";

    /// <summary>A gateway registration or connection not renewed within this is dropped.</summary>
    public TimeSpan SubscriptionExpiry { get; set; } = TimeSpan.FromSeconds(90);

    /// <summary>
    /// How long a (sender, client id) is remembered in memory; the log itself is idempotent forever, so a later resend
    /// is still answered with the original (by the log's unique index, at the price of re-reading the next seq). Each
    /// remembered send costs about 146 bytes (measured: a dictionary and a queue of 960,000 entries), and a silo holds
    /// every send of the window: at 8,000 sends/s, 10 minutes (the default until 2026-12-08) kept ~700 MB, 2 minutes
    /// keep ~140 MB. Clients resend on reconnect, seconds after a drop (the SDK's outbox), well inside 2 minutes.
    /// </summary>
    public TimeSpan IdempotencyWindow { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// The most messages one <c>history</c> or <c>sync</c> page returns: the grains cap what they read from the log at it,
    /// and the gateway refuses a <c>history</c> <c>limit</c> above it. Give gateways and silos the same value.
    /// </summary>
    public int MaxPageSize { get; set; } = 100;

    /// <summary>The most members one <c>room.members</c> page returns, and its size when the client names none.</summary>
    public int MaxMemberPageSize { get; set; } = 500;

    /// <summary>Rooms one user may be a member of at once (cluster-wide); joining one more is refused with forbidden.</summary>
    public int MaxRoomsPerUser { get; set; } = 200;

    /// <summary>
    /// Rooms with up to this many members announce every join and leave with its own frame; bigger ones coalesce
    /// them into at most one <c>room.activity</c> frame a second (a frame per join to every member costs O(n²)).
    /// </summary>
    public int AnnounceMaxMembers { get; set; } = 500;

    /// <summary>
    /// The most conversations one <c>conv.list</c> page returns, its size when the client names none, and the size of
    /// the first page <c>welcome</c> carries.
    /// </summary>
    public int ConversationPageSize { get; set; } = 50;

    /// <summary>
    /// How long, on average, a conversation keeps the read seq its senders' own messages moved before telling their
    /// user grains (one call and one user-state write per sender and interval; each wait is 0.5-1.5 intervals, so that
    /// conversations that started together do not write together; every conversation summary it answers applies the
    /// newer seq at once, and deactivation tells at once). Only a crash of its silo loses what waits: up to 1.5
    /// intervals of a sender's latest own messages may then count as unread to them until they read or send again. Telling
    /// every second cost about 10 % of the CPU per private message at 8,000 sends/s (docs/performance.md).
    /// </summary>
    public TimeSpan SenderReadFlushInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long after sending a message its sender may recall it (room owners and admins may any time).</summary>
    public TimeSpan RecallWindow { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// Rooms with up to this many members keep their members' read seqs and send read receipts (<c>conv.receipt</c>,
    /// <c>conv.readers</c>); bigger ones send none (unread counts still work). Tencent IM caps group receipts at 200.
    /// </summary>
    public int ReceiptMaxMembers { get; set; } = 200;

    /// <summary>
    /// Rooms with up to this many members push <c>room.presence</c> (members coming online or going offline, at most
    /// one frame a second); bigger ones only answer <c>room.members</c>.
    /// </summary>
    public int PresenceMaxMembers { get; set; } = 500;

    /// <summary>The most rooms one <c>room.list</c> page returns, and its size when the client names none.</summary>
    public int RoomListPageSize { get; set; } = 50;
}
