using System.Globalization;
using System.Text;
using OrleansChat.Model;
using OrleansChat.Tests.Cluster;

namespace OrleansChat.Tests.Reliability.Chaos;

/// <summary>
/// What a chaos run found: the delivery audit (lost, duplicated, gaps), live deliveries missed while connected
/// (a message acknowledged while a member had a connection that lasted from a second before to two seconds after it,
/// yet never reached that connection live), and, per fault, the same counts for its window (from the fault to the
/// next one) and how it was recovered from.
/// </summary>
public sealed class ChaosReport
{
    /// <summary>The row of what happened before the first fault (the warm-up).</summary>
    public const string BeforeTheFaults = "(before the first fault)";

    private ChaosReport(DeliveryAudit audit, int missedLive, int resends, int reconnects, IReadOnlyList<FaultOutcome> faults) =>
        (Audit, MissedLive, Resends, Reconnects, Faults) = (audit, missedLive, resends, reconnects, faults);

    public DeliveryAudit Audit { get; }

    public int MissedLive { get; }

    public int Resends { get; }

    public int Reconnects { get; }

    /// <summary>One row per fault, after a first row <see cref="BeforeTheFaults"/> (no recovery times).</summary>
    public IReadOnlyList<FaultOutcome> Faults { get; }

    public static ChaosReport Of(IReadOnlyList<UserHistory> people, IReadOnlyList<SyncedMessage> synced, IReadOnlyList<(string Name, double At)> faults)
    {
        var acked = people.SelectMany(p => p.Acked).ToList();
        var audit = DeliveryAudit.Of([.. acked.Select(a => a.Message)], synced);
        var problems = new Problems(acked, synced, MissedLiveAt(people, acked));
        var windows = faults.Select(f => (f.Name, f.At)).Prepend((Name: BeforeTheFaults, At: double.NegativeInfinity)).ToList();
        var outcomes = windows.Select((w, i) =>
        {
            var until = i + 1 < windows.Count ? windows[i + 1].At : double.PositiveInfinity;
            var refused = people.SelectMany(p => p.Refusals).Where(r => r.At >= w.At && r.At < until).GroupBy(r => r.Why)
                .OrderByDescending(g => g.Count()).Select(g => $"{g.Key} {g.Count()}");
            var counts = problems.Between(w.At, until) with { Refused = string.Join(", ", refused) };
            var (acksBack, liveBack) = i == 0 ? (null, null) : FaultOutcome.Recovery(w.At, people);
            return new FaultOutcome(w.Name, double.IsNegativeInfinity(w.At) ? 0 : w.At, counts, acksBack, liveBack);
        }).ToList();
        return new ChaosReport(audit, problems.MissedLive.Count, people.Sum(p => p.Resends), people.Sum(p => p.Reconnects), outcomes);
    }

    /// <summary>The times of the acks whose message a member connected around it never got live on that connection.</summary>
    private static List<double> MissedLiveAt(IReadOnlyList<UserHistory> people, IReadOnlyList<TimedAck> acked)
    {
        var missed = new List<double>();
        foreach (var person in people)
        {
            var convs = person.Rooms.Select(ConversationId.ForRoom).ToHashSet(StringComparer.Ordinal);
            var live = person.Live.Select(l => (l.Conv, l.Seq, l.Connection)).ToHashSet();
            foreach (var ack in acked.Where(a => convs.Contains(a.Message.Conv)))
            {
                var span = person.Spans.FirstOrDefault(s => s.From <= ack.At - 1 && (s.To ?? double.MaxValue) >= ack.At + 2);
                if (span is not null && !live.Contains((ack.Message.Conv, ack.Message.Seq, span.Connection)))
                {
                    missed.Add(ack.At);
                }
            }
        }

        return missed;
    }

    /// <summary>The one table the chaos suite prints: the whole run, then one row per fault.</summary>
    public string ToTable()
    {
        var text = new StringBuilder();
        text.AppendLine("| acked | lost | duplicated | seq gaps | live missed while connected | resends | reconnects |");
        text.AppendLine("|---:|---:|---:|---:|---:|---:|---:|");
        text.AppendLine(CultureInfo.InvariantCulture, $"| {Audit.Acked} | {Audit.Lost} | {Audit.Duplicated} | {Audit.Gaps} | {MissedLive} | {Resends} | {Reconnects} |");
        text.AppendLine();
        text.AppendLine("| fault | at (s) | acked | lost | duplicated | seq gaps | live missed while connected | every user acked again after (s) | live back to every user after (s) | sends not acked (resent) |");
        text.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|");
        foreach (var (fault, i) in Faults.Select((f, i) => (f, i)))
        {
            var c = fault.Counts;
            var recovery = i == 0 ? "- | -" : $"{Seconds(fault.AcksBackAfter)} | {Seconds(fault.LiveBackAfter)}";
            text.AppendLine(CultureInfo.InvariantCulture, $"| {fault.Name} | {fault.At:0.0} | {c.Acked} | {c.Lost} | {c.Duplicated} | {c.Gaps} | {c.MissedLive} | {recovery} | {c.Refused} |");
        }

        return text.ToString();
    }

    /// <summary>A recovery time as the table prints it.</summary>
    public static string Seconds(double? value) => value is { } v ? v.ToString("0.00", CultureInfo.InvariantCulture) : "not by the end";

    /// <summary>
    /// Every problem with a time, so it can be counted in the window of the fault it followed: lost acks at their ack,
    /// duplicates at the ack of their client id, a gap at the ack of the first stored message above it (the one the
    /// hole showed up under), missed live deliveries at their ack.
    /// </summary>
    private sealed class Problems
    {
        private readonly List<double> _acked;
        private readonly List<double> _lost = [];
        private readonly List<double> _duplicated = [];
        private readonly List<double> _gaps = [];

        public Problems(IReadOnlyList<TimedAck> acked, IReadOnlyList<SyncedMessage> synced, List<double> missedLive)
        {
            _acked = [.. acked.Select(a => a.At)];
            MissedLive = missedLive;
            var log = synced.GroupBy(m => (m.Conv, m.Seq)).ToDictionary(g => g.Key, g => g.First());
            var ackAt = acked.GroupBy(a => (a.Message.Conv, a.Message.SenderId, (string?)a.Message.ClientId)).ToDictionary(g => g.Key, g => g.Min(a => a.At));
            _lost.AddRange(acked.Where(a => !log.TryGetValue((a.Message.Conv, a.Message.Seq), out var stored)
                || stored.SenderId != a.Message.SenderId || stored.ClientId != a.Message.ClientId).Select(a => a.At));
            foreach (var copies in log.Values.Where(m => m.ClientId is not null).GroupBy(m => (m.Conv, m.SenderId, m.ClientId)).Where(g => g.Count() > 1))
            {
                _duplicated.AddRange(Enumerable.Repeat(ackAt.GetValueOrDefault(copies.Key, double.NegativeInfinity), copies.Count() - 1));
            }

            foreach (var conv in log.Keys.GroupBy(k => k.Conv))
            {
                var seqs = conv.Select(k => k.Seq).Order().ToList();
                var expected = 1L;
                foreach (var seq in seqs)
                {
                    var above = log[(conv.Key, seq)];
                    var at = ackAt.GetValueOrDefault((conv.Key, above.SenderId, above.ClientId), double.NegativeInfinity);
                    _gaps.AddRange(Enumerable.Repeat(at, (int)Math.Max(0, seq - expected)));
                    _gaps.AddRange(seq < 1 ? [at] : []);
                    expected = Math.Max(expected, seq + 1);
                }
            }
        }

        public List<double> MissedLive { get; }

        public DeliveryCounts Between(double from, double until)
        {
            int Count(List<double> times) => times.Count(t => t >= from && t < until);
            return new DeliveryCounts(Count(_acked), Count(_lost), Count(_duplicated), Count(_gaps), Count(MissedLive));
        }
    }
}
