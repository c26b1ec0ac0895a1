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
}
