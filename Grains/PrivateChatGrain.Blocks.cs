using OrleansChat.Model;

namespace OrleansChat.Grains;

/// <summary>
/// Blocking between the two users. A request asks the peer's user grain (the truth, and requests are rare); a send
/// checks this conversation's own copy (a set lookup, no call per message), which the blocker's user grain keeps up
/// to date. Refusals say no more than that the send or request is refused.
/// </summary>
public sealed partial class PrivateChatGrain
{
    public async Task BlockChanged(string blockerId, bool blocked)
    {
        PeerOf(blockerId);
        if (blocked ? state.State.BlockedBy.Add(blockerId) : state.State.BlockedBy.Remove(blockerId))
        {
            await state.WriteStateAsync();
        }
    }

    private async Task EnsureNotBlockedByAsync(string peer)
    {
        if (await User(peer).HasBlocked(PeerOf(peer)))
        {
            throw ChatException.Forbidden("you cannot start a private conversation with this user");
        }
    }

    private void EnsureNotBlockedBy(string peer)
    {
        if (state.State.BlockedBy.Contains(peer))
        {
            throw ChatException.Forbidden("you cannot send messages in this conversation");
        }
    }
}
