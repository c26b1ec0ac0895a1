namespace OrleansChat.Grains.Conversations;

/// <summary>
/// What one user keeps of one of their conversations, in their user grain's state (a write per action, the size of
/// the state bounded by the user's conversations): how far they have read, and their own pinned and muted flags.
/// </summary>
[GenerateSerializer, Alias("chat.UserConversation")]
public sealed class UserConversation
{
    /// <summary>The highest seq the user has read; only ever grows.</summary>
    [Id(0)]
    public long ReadSeq { get; set; }

    [Id(1)]
    public bool Pinned { get; set; }

    /// <summary>A muted conversation keeps its own unread count but stays out of the user's total.</summary>
    [Id(2)]
    public bool Muted { get; set; }

    /// <summary>Seqs the user deleted for themselves (<c>msg.delete</c>), ascending; history leaves them out for this user only.</summary>
    [Id(3)]
    public List<long> Hidden { get; set; } = [];

    /// <summary>
    /// Private chats: how far the peer has read (their receipts), so a reloaded client shows its read ticks. Kept here,
    /// not asked of the peer, so listing conversations stays one call per conversation; only ever grows.
    /// </summary>
    [Id(4)]
    public long PeerReadSeq { get; set; }
}
