namespace OrleansChat.Tests.Reliability.Chaos;

/// <summary>
/// What one chaos user saw, as a snapshot (the report works on snapshots, not on the live users): its acks, live
/// deliveries, connected spans, and how often it resent or reconnected.
/// </summary>
public sealed record UserHistory(
    string Id,
    IReadOnlyList<string> Rooms,
    IReadOnlyList<TimedAck> Acked,
    IReadOnlyList<LiveDelivery> Live,
    IReadOnlyList<ConnectedSpan> Spans,
    int Resends,
    int Reconnects)
{
    /// <summary>The send attempts that were not acknowledged, and why (each was resent with the same id).</summary>
    public IReadOnlyList<TimedRefusal> Refusals { get; init; } = [];
}
