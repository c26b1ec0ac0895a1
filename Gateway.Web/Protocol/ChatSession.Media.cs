using OrleansChat.Model;
using OrleansChat.Protocol;

namespace OrleansChat.Gateway.Protocol;

/// <summary>Sends of image and audio bodies: an upload's id is resolved (and its ownership checked) before the grain sees it.</summary>
public sealed partial class ChatSession
{
    private async Task<ServerFrame> SendMediaAsync(ClientFrame c, MessageBody body, Func<UserProfile, string?, MessageBody, Task<SendReceipt>> send, string kind)
    {
        var resolved = await media.ResolveAsync(Me.Id, body);
        var receipt = await send(Me, c.Id, resolved);
        await media.RecordShareAsync(resolved, receipt.Conv);
        return Accepted(c, kind, receipt);
    }
}
