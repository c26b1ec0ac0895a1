using System.Globalization;
using System.Text;
using OrleansChat.Model;
using OrleansChat.Tests.Cluster;

namespace OrleansChat.Tests.Reliability.Chaos;

/// <summary>
/// What a chaos run found: the delivery audit (lost, duplicated, gaps), live deliveries missed while connected
/// (a message acknowledged while a member had a connection that lasted from a second before to two seconds after it,
/// yet never reached that connection live), and how each fault was recovered from.
/// </summary>
public sealed class ChaosReport
{
    private ChaosReport(DeliveryAudit audit, int missedLive, int resends, int reconnects, IReadOnlyList<FaultOutcome> faults) =>
        (Audit, MissedLive, Resends, Reconnects, Faults) = (audit, missedLive, resends, reconnects, faults);

    public DeliveryAudit Audit { get; }

    public int MissedLive { get; }

    public int Resends { get; }

    public int Reconnects { get; }

    public IReadOnlyList<FaultOutcome> Faults { get; }

    public static ChaosReport Of(IReadOnlyList<ChaosUser> people, IReadOnlyList<SyncedMessage> synced, IReadOnlyList<FaultOutcome> faults)
    {
        var acked = people.SelectMany(p => p.Acked).ToList();
        var audit = DeliveryAudit.Of([.. acked.Select(a => a.Message)], synced);
        var missed = 0;
        foreach (var person in people)
        {
            var convs = person.Rooms.Select(ConversationId.ForRoom).ToHashSet(StringComparer.Ordinal);
            var live = person.Live.Select(l => (l.Conv, l.Seq, l.Connection)).ToHashSet();
            foreach (var ack in acked.Where(a => convs.Contains(a.Message.Conv)))
            {
                var span = person.Spans.FirstOrDefault(s => s.From <= ack.At - 1 && (s.To ?? double.MaxValue) >= ack.At + 2);
                if (span is not null && !live.Contains((ack.Message.Conv, ack.Message.Seq, span.Connection)))
                {
                    missed++;
                }
            }
        }

        return new ChaosReport(audit, missed, people.Sum(p => p.Resends), people.Sum(p => p.Reconnects), faults);
    }

    /// <summary>The one table the chaos suite prints.</summary>
    public string ToTable()
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"| acked | lost | duplicated | seq gaps | live missed while connected | resends | reconnects |");
        text.AppendLine("|---:|---:|---:|---:|---:|---:|---:|");
        text.AppendLine(CultureInfo.InvariantCulture, $"| {Audit.Acked} | {Audit.Lost} | {Audit.Duplicated} | {Audit.Gaps} | {MissedLive} | {Resends} | {Reconnects} |");
        text.AppendLine();
        text.AppendLine("| fault | at (s) | every user acked again after (s) | live back to every connected user after (s) |");
        text.AppendLine("|---|---:|---:|---:|");
        foreach (var fault in Faults)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"| {fault.Name} | {fault.At:0.0} | {Seconds(fault.AcksBackAfter)} | {Seconds(fault.LiveBackAfter)} |");
        }

        return text.ToString();
    }

    private static string Seconds(double? value) => value is { } v ? v.ToString("0.00", CultureInfo.InvariantCulture) : "not within the window";
}
