using OrleansChat.Model;
using OrleansChat.Tests.Cluster;
using OrleansChat.Tests.Reliability.Chaos;

namespace OrleansChat.Tests.Reliability;

/// <summary>How the chaos report counts and times: per fault window, and recovery of every user (reconnected or not).</summary>
public sealed class ChaosReportTests
{
    private static readonly string Room = ConversationId.ForRoom("r");

    [Fact]
    public void Live_back_is_timed_for_every_user_including_one_whose_connection_the_fault_cut()
    {
        // The fault at 10 s cuts bob's connection; he reconnects at 11 s. Alice stays connected throughout.
        var alice = User("alice", acks: [(1, 2), (4, 10.5)], live: [(3, 2.1, 1), (5, 11.4, 1)], spans: [new ConnectedSpan(1, 0, null)]);
        var bob = User("bob", acks: [(3, 2.1), (5, 11.3)], live: [(1, 2.05, 1), (2, 9.9, 1), (4, 10.6, 2)], spans: [new ConnectedSpan(1, 0, 10.1), new ConnectedSpan(2, 11, null)]);
        var carol = User("carol", acks: [(2, 9.8)], live: [], spans: [new ConnectedSpan(1, 0, 10.1)]);

        var (acksBack, liveBack) = FaultOutcome.Recovery(10, [alice, bob]);

        Assert.Equal(1.3, acksBack!.Value, 3); // bob's first ack after the fault
        Assert.Equal(1.4, liveBack!.Value, 3); // alice's first live delivery of seq 5 (bob's 4 came at 0.6 s)
        Assert.Null(FaultOutcome.Recovery(10, [alice, bob, carol]).LiveBackAfter); // carol never got one
    }

    [Fact]
    public void A_delivery_of_a_message_stored_before_the_fault_does_not_count_as_live_back()
    {
        // Seq 2 was acknowledged before the fault; its late delivery at 10.2 s says nothing about the recovery.
        var alice = User("alice", acks: [(2, 9.9)], live: [(3, 14.1, 1)], spans: [new ConnectedSpan(1, 0, null)]);
        var bob = User("bob", acks: [(3, 14)], live: [(2, 10.2, 1)], spans: [new ConnectedSpan(1, 0, null)]);
        var carol = User("carol", acks: [], live: [(2, 10.2, 1), (3, 14.1, 1)], spans: [new ConnectedSpan(1, 0, null)]);

        Assert.Null(FaultOutcome.Recovery(10, [alice, bob]).LiveBackAfter);
        Assert.Equal(4.1, FaultOutcome.Recovery(10, [alice, carol]).LiveBackAfter!.Value, 3);
    }

    [Fact]
    public void Problems_are_counted_in_the_window_of_the_fault_they_followed()
    {
        // Acked seqs 1, 2 (before the faults), 3 and 5 (after the fault at 10 s), 6 (after the one at 20 s); the log
        // lost 5 (a gap under 6) and stored 3 twice.
        var alice = User("alice", acks: [(1, 1), (3, 12), (5, 15)], live: [], spans: []);
        var bob = User("bob", acks: [(2, 2), (6, 21)], live: [], spans: []);
        SyncedMessage[] log = [Stored(1, alice), Stored(2, bob), Stored(3, alice), Stored(4, alice, "alice-3"), Stored(6, bob)];

        var report = ChaosReport.Of([alice, bob], log, [("first", 10), ("second", 20)]);

        Assert.Equal(new[] { ChaosReport.BeforeTheFaults, "first", "second" }, report.Faults.Select(f => f.Name));
        Assert.Equal(new DeliveryCounts(Acked: 2, Lost: 0, Duplicated: 0, Gaps: 0, MissedLive: 0), report.Faults[0].Counts);
        Assert.Equal(new DeliveryCounts(Acked: 2, Lost: 1, Duplicated: 1, Gaps: 0, MissedLive: 0), report.Faults[1].Counts);
        Assert.Equal(new DeliveryCounts(Acked: 1, Lost: 0, Duplicated: 0, Gaps: 1, MissedLive: 0), report.Faults[2].Counts);
        Assert.Equal((1, 1, 1), (report.Audit.Lost, report.Audit.Duplicated, report.Audit.Gaps));
    }

    /// <summary>A user of room r: acks as (seq, at) with client ids "{user}-{seq}", live deliveries as (seq, at, connection).</summary>
    private static UserHistory User(string id, (long Seq, double At)[] acks, (long Seq, double At, int Connection)[] live, ConnectedSpan[] spans) => new(
        id,
        ["r"],
        [.. acks.Select(a => new TimedAck(new AckedMessage(Room, a.Seq, id, $"{id}-{a.Seq}"), a.At))],
        [.. live.Select(l => new LiveDelivery(Room, l.Seq, l.At, l.Connection))],
        spans,
        Resends: 0,
        Reconnects: 0);

    private static SyncedMessage Stored(long seq, UserHistory sender, string? clientId = null) =>
        new(Room, seq, sender.Id, clientId ?? $"{sender.Id}-{seq}");
}
