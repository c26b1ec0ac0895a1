using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OrleansChat.Grains.Gateways;
using OrleansChat.Protocol;

namespace OrleansChat.Grains;

/// <summary>
/// A room that reactivated while some gateway could not answer its first ask (<see cref="GatewayRecall"/>: after a
/// silo's death, a directory or a gateway too slow for the moment) served its sends without that gateway, so the
/// messages it fanned out meanwhile missed the members there. When that gateway answers a later ask, it gets those
/// messages, read back from the log (the oldest <see cref="MaxCatchUpMessages"/>), in one
/// <see cref="IGatewayObserver.DeliverManyToRoom"/>; the messages after them reach it live and may arrive first, which
/// clients' gap repair and seq dedupe absorb (docs/protocol.md, "message"). Without this, a member who stayed connected
/// missed every message of that window until they resynced.
/// </summary>
public sealed partial class GroupRoomGrain
{
    private const int MaxCatchUpMessages = 100;

    /// <summary>The durable seq when this activation's first ask ended incomplete: later messages may have missed someone.</summary>
    private long? _unrecalledSince;

    // Resolved rather than injected, as in the other partial files: both events are rare (a silo's death, a stalled gateway).
    private ILogger RecallLogger => ServiceProvider.GetRequiredService<ILogger<GroupRoomGrain>>();

    /// <summary>After an incomplete first ask: from here on, a gateway that answers late is owed what it missed.</summary>
    private async Task NoteIncompleteRecallAsync()
    {
        _unrecalledSince = await Sequencer.LastSeqAsync();
        LogIncompleteRecall(RecallLogger, Room, _unrecalledSince.Value);
    }

    private async Task RenewRecalledAsync(RecalledGateway later)
    {
        var unknownUntilNow = !_gateways.LiveGateways.Any(g => g.GatewayId == later.Gateway.GatewayId);
        await Renew(later.Gateway, later.Members);
        if (_unrecalledSince is { } since && unknownUntilNow && later.Members.Any(IsMember))
        {
            // Asked right after the renewal, with nothing interleaved (both complete at once): every message up to this
            // seq went out without this gateway, every later one goes to it live.
            var upTo = await Sequencer.LastSeqAsync();
            await CatchUpAsync(later.Gateway.Observer, since, upTo);
        }
    }

    private async Task CatchUpAsync(IGatewayObserver gateway, long after, long upTo)
    {
        if (upTo <= after)
        {
            return;
        }

        var missed = await Sequencer.ReadAfterAsync(after, (int)Math.Min(upTo - after, MaxCatchUpMessages));
        ServerFrame[] frames = [.. missed.Messages.Where(m => m.Seq <= upTo).Select(m => RoomMessageEvent.Of(Room, m))];
        if (frames.Length > 0)
        {
            metrics.FanOutCall("room");
            gateway.DeliverManyToRoom(Room, frames).Ignore();
            LogCaughtUp(RecallLogger, Room, frames.Length);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Room {Room} activated without an answer from every gateway; asking again, and messages after seq {Seq} go to late answerers too")]
    private static partial void LogIncompleteRecall(ILogger logger, string room, long seq);

    [LoggerMessage(Level = LogLevel.Information, Message = "Room {Room} sent {Count} messages to a gateway that answered its recall late")]
    private static partial void LogCaughtUp(ILogger logger, string room, int count);
}
