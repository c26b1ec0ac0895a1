namespace OrleansChat.Tests.Reliability.Chaos;

/// <summary>What one fault's window (from it to the next fault) held: acks, and what went wrong with them.</summary>
public sealed record DeliveryCounts(int Acked, int Lost, int Duplicated, int Gaps, int MissedLive)
{
    /// <summary>Unacknowledged attempts by why ("internal", "no answer", "connection lost"), e.g. "internal 12, no answer 2".</summary>
    public string Refused { get; init; } = "";
}

/// <summary>
/// How the cluster came back from one fault, in seconds after it was done: until every user had a new send
/// acknowledged, and until every user had a live delivery of a new message (null: some user had none by the end of
/// the run). Counts are those of the fault's window.
/// </summary>
public sealed record FaultOutcome(string Name, double At, DeliveryCounts Counts, double? AcksBackAfter, double? LiveBackAfter)
{
    /// <summary>
    /// The recovery times of a fault at <paramref name="at"/>. A live delivery counts only for a message newer than
    /// every message acknowledged before the fault (by seq in its conversation): deliveries still draining from
    /// before it say nothing about whether live delivery works again. Every user counts, whether its connection
    /// survived the fault or it reconnected (a user cut off by the fault gets live deliveries again only once
    /// reconnected, which is part of the recovery).
    /// </summary>
    public static (double? AcksBackAfter, double? LiveBackAfter) Recovery(double at, IReadOnlyList<UserHistory> people)
    {
        var newestBefore = people.SelectMany(p => p.Acked).Where(a => a.At <= at)
            .GroupBy(a => a.Message.Conv).ToDictionary(g => g.Key, g => g.Max(a => a.Message.Seq), StringComparer.Ordinal);
        var acksBack = people.Select(p => FirstAfter(at, p.Acked.Select(a => a.At)));
        var liveBack = people.Select(p => FirstAfter(at, p.Live.Where(l => l.Seq > newestBefore.GetValueOrDefault(l.Conv)).Select(l => l.At)));
        return (Slowest([.. acksBack]), Slowest([.. liveBack]));
    }

    private static double? FirstAfter(double at, IEnumerable<double> times) =>
        times.Where(t => t > at).Select(t => t - at).DefaultIfEmpty(double.NaN).Min();

    private static double? Slowest(IReadOnlyList<double?> perUser) =>
        perUser.Count == 0 || perUser.Any(v => v is null or double.NaN) ? null : perUser.Max();
}
