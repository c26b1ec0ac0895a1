using Orleans.Concurrency;
using OrleansChat.Model;

namespace OrleansChat.Grains;

/// <summary>What rooms and private chats share: a readable message log, readable only by those in it, and batched sends.</summary>
public interface IConversationGrain : IGrainWithStringKey
{
    /// <summary>
    /// Sends <paramref name="messages"/> of one sender in the order given, as that many <c>Send</c> calls made one after
    /// another would (their seqs ascend in that order; a resend of a client id answers the original), in one grain call:
    /// a gateway pipelining one connection's sends to a conversation sends those that queued behind the previous call
    /// together, which keeps their order without one call per message. One outcome per message, in order; a refused or
    /// failed message does not stop the others (the log fails the later messages of a failed commit itself).
    /// </summary>
    [AlwaysInterleave]
    Task<SendOutcome[]> SendBatch(UserProfile from, OutgoingMessage[] messages);

    /// <summary>The page just before <paramref name="beforeSeq"/> (the newest page when null), ascending.</summary>
    Task<MessagePage> ReadBefore(string userId, long? beforeSeq, int limit);

    /// <summary>The messages after <paramref name="afterSeq"/>, ascending: what a reconnecting client missed.</summary>
    Task<MessagePage> ReadAfter(string userId, long afterSeq, int limit);

    /// <summary>
    /// The conversation as <paramref name="userId"/> sees it in a list, given the read seq their user grain stored
    /// (moved past their own latest message, never past the last seq). From the conversation's own summary, never a
    /// scan of the log. <see cref="ChatErrorCode.Forbidden"/> unless the user is in the conversation. Interleaves:
    /// user grains ask while this conversation may be waiting for one of them.
    /// </summary>
    [AlwaysInterleave]
    Task<ConversationSummary> GetSummary(string userId, long readSeq);

    /// <summary>
    /// Recalls the message at <paramref name="seq"/>: its sender within <c>Chat:RecallWindow</c>, a room's owners and
    /// admins any time (else <see cref="ChatErrorCode.Forbidden"/>). The recall is a new message with its own seq and a
    /// <see cref="RecallBody"/>, delivered like any other; the original's body is erased from the log. A second recall
    /// of one message is a <see cref="ChatErrorCode.Conflict"/>. Returns the recall's own seq.
    /// </summary>
    Task<SendReceipt> Recall(UserProfile by, long seq);

    /// <summary>
    /// <paramref name="by"/> started or stopped typing: told to the others as <c>typing</c>, never stored. Renewals within
    /// a few seconds are not passed on; a typist who stops renewing is announced stopped after 6 s. Rooms of more than
    /// 50 members pass on nothing. Interleaves: it only touches memory.
    /// </summary>
    [AlwaysInterleave]
    Task Typing(UserProfile by, bool on);
}
