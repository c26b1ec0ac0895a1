using OrleansChat.Model;

namespace OrleansChat.Grains;

/// <summary>The users this user blocked: they cannot ask them for a private chat or send them private messages.</summary>
public sealed partial class UserGrain
{
    /// <summary>Bounds the state a user can grow by blocking.</summary>
    private const int MaxBlocks = 1000;

    public async Task Block(string userId)
    {
        if (userId == UserId)
        {
            throw ChatException.BadRequest("you cannot block yourself");
        }

        if (state.State.Blocked.Count >= MaxBlocks && !state.State.Blocked.Contains(userId))
        {
            throw ChatException.Forbidden($"at most {MaxBlocks} blocked users: unblock someone first");
        }

        if (state.State.Blocked.Add(userId))
        {
            await state.WriteStateAsync();
        }

        TellPrivateChat(userId, blocked: true); // also on a repeat: it mends a copy a lost one-way call left stale
    }

    public async Task Unblock(string userId)
    {
        if (state.State.Blocked.Remove(userId))
        {
            await state.WriteStateAsync();
        }

        TellPrivateChat(userId, blocked: false);
    }

    public Task<IReadOnlyList<string>> GetBlocks() =>
        Task.FromResult<IReadOnlyList<string>>([.. state.State.Blocked.Order(StringComparer.Ordinal)]);

    public Task<bool> HasBlocked(string userId) => Task.FromResult(state.State.Blocked.Contains(userId));

    private void TellPrivateChat(string userId, bool blocked) =>
        GrainFactory.GetGrain<IPrivateChatGrain>(ConversationId.DmKey(UserId, userId)).BlockChanged(UserId, blocked).Ignore();
}
