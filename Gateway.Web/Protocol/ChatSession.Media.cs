using OrleansChat.Model;
using OrleansChat.Protocol;

namespace OrleansChat.Gateway.Protocol;

/// <summary>
/// Sends of image and audio bodies: an upload's id is resolved (and its ownership checked) before the grain sees it, and
/// the message's reference to it recorded after; recalls release that reference.
/// </summary>
public sealed partial class ChatSession
{
    private async Task<ServerFrame> SendMediaAsync(ClientFrame c, MessageBody body, Func<UserProfile, string?, MessageBody, Task<SendReceipt>> send, string kind)
    {
        var resolved = await media.ResolveAsync(Me.Id, body);
        var receipt = await send(Me, c.Id, resolved);
        await media.RecordShareAsync(resolved, receipt.Conv, receipt.Seq);
        return Accepted(c, kind, receipt);
    }

    /// <summary>
    /// <c>msg.recall</c>: the original is read first (its body is erased by the recall) so that, once the recall is
    /// stored, the upload it referenced is released for the purge (<see cref="Media.MediaBodies.ReleaseAsync"/>).
    /// </summary>
    private async Task<ServerFrame> RecallAsync(MsgRecallCommand c)
    {
        var conversation = Conversation(c.Conv);
        var original = (await conversation.ReadAfter(Me.Id, c.Seq - 1, 1)).Messages.FirstOrDefault(m => m.Seq == c.Seq);
        var receipt = await conversation.Recall(Me, c.Seq);
        if (original is not null)
        {
            await media.ReleaseAsync(original);
        }

        return Ack(c, receipt);
    }
}
