using OrleansChat.Gateway.Media.Storage;
using OrleansChat.Grains;
using OrleansChat.Model;

namespace OrleansChat.Gateway.Media;

/// <summary>
/// Who may fetch media with a token (no signature): its uploader, and anyone who may read a conversation a message
/// referencing it was stored in, by the same rule as <c>history</c> (the conversation grain decides).
/// </summary>
public sealed class MediaAccess(IMediaStore store, IGrainFactory grains)
{
    public async Task<bool> CanReadAsync(string userId, StoredMedia media, CancellationToken cancellationToken)
    {
        if (string.Equals(media.OwnerId, userId, StringComparison.Ordinal))
        {
            return true;
        }

        foreach (var conv in await store.GetSharesAsync(media.MediaId, cancellationToken))
        {
            if (await MayReadAsync(userId, conv))
            {
                return true;
            }
        }

        return false;
    }

    private async Task<bool> MayReadAsync(string userId, string conv)
    {
        IConversationGrain? grain = ConversationId.TryParseRoom(conv, out var room) ? grains.GetGrain<IGroupRoomGrain>(room)
            : ConversationId.TryParseDm(conv, out var a, out var b) ? grains.GetGrain<IPrivateChatGrain>(ConversationId.DmKey(a, b))
            : null;
        if (grain is null)
        {
            return false;
        }

        try
        {
            // An empty page (nothing before seq 1): the grain checks the reader as for history, and reads next to nothing.
            await grain.ReadBefore(userId, 1, 1);
            return true;
        }
        catch (ChatException)
        {
            return false;
        }
    }
}
