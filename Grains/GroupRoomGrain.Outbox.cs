using OrleansChat.Protocol;

namespace OrleansChat.Grains;

/// <summary>
/// The room's outbox: messages that become durable together (one commit completes many sends at once, several of them
/// pipelined by one connection) leave in one <see cref="IGatewayObserver.DeliverManyToRoom"/> per gateway instead of
/// one call per message. A message joins the outbox, which is sent once the continuations already queued on this
/// activation (the other sends of the same commit) have run; each frame still goes to the gateways live when it was
/// broadcast, and in seq order (the outbox is sent before any other frame and whenever the live gateways change).
/// </summary>
public sealed partial class GroupRoomGrain
{
    private List<ServerFrame>? _outbox;
    private IReadOnlyList<IGatewayObserver> _outboxTargets = [];

    private void BroadcastMessage(ServerFrame frame)
    {
        _gateways.RemoveExpired(time.GetUtcNow());
        var targets = _gateways.LiveObservers;
        if (_outbox is { Count: > 0 } && !targets.SequenceEqual(_outboxTargets))
        {
            FlushOutbox();
        }

        if (_outbox is { Count: > 0 } outbox)
        {
            outbox.Add(frame);
            return;
        }

        (_outbox ??= []).Add(frame);
        _outboxTargets = targets;
        FlushSoonAsync().Ignore();
    }

    /// <summary>After the continuations queued on this activation so far: those of the same commit join the outbox first.</summary>
    private async Task FlushSoonAsync()
    {
        await Task.Yield();
        FlushOutbox();
    }

    private void FlushOutbox()
    {
        if (_outbox is not { Count: > 0 } outbox)
        {
            return;
        }

        ServerFrame[] frames = [.. outbox];
        outbox.Clear();
        foreach (var gateway in _outboxTargets)
        {
            metrics.FanOutCall("room");
            (frames.Length == 1 ? gateway.DeliverToRoom(Room, frames[0]) : gateway.DeliverManyToRoom(Room, frames)).Ignore();
        }

        _outboxTargets = [];
    }
}
