using OrleansChat.Model;

namespace OrleansChat.Grains;

/// <summary>What rooms and private chats share: a readable message log, readable only by those in it.</summary>
public interface IConversationGrain : IGrainWithStringKey
{
    /// <summary>The page just before <paramref name="beforeSeq"/> (the newest page when null), ascending.</summary>
    Task<MessagePage> ReadBefore(string userId, long? beforeSeq, int limit);

    /// <summary>The messages after <paramref name="afterSeq"/>, ascending: what a reconnecting client missed.</summary>
    Task<MessagePage> ReadAfter(string userId, long afterSeq, int limit);
}
