using System.Diagnostics;
using OrleansChat.Model;
using OrleansChat.Tests.Cluster;
using OrleansChat.Tests.Infrastructure;

namespace OrleansChat.Tests.Reliability.Chaos;

/// <summary>
/// Drives users through a script of faults and reads everything back: users chat in overlapping rooms on all
/// gateways; each fault is applied, then the run waits until every user's sends are acknowledged again (or
/// <see cref="RecoveryWindow"/> passes) and a calm spell follows, before the next. At the end every user syncs its
/// rooms from seq 0 and <see cref="ChaosReport"/> compares that with the acks and the live deliveries.
/// </summary>
public sealed class ChaosRun(ChaosCluster cluster, int users, int rooms)
{
    public TimeSpan Warmup { get; init; } = TimeSpan.FromSeconds(4);

    public TimeSpan RecoveryWindow { get; init; } = TimeSpan.FromSeconds(60);

    public TimeSpan Calm { get; init; } = TimeSpan.FromSeconds(4);

    public async Task<ChaosReport> RunAsync(IReadOnlyList<ChaosFault> faults, Action<string> log)
    {
        var clock = Stopwatch.StartNew();
        var roomNames = Enumerable.Range(0, rooms).Select(i => GatewayServer.UniqueName($"chaos{i}")).ToArray();
        var people = Enumerable.Range(0, users).Select(i => new ChaosUser(
            GatewayServer.UniqueName($"u{i}"), [roomNames[i % rooms], roomNames[(i + 1) % rooms]], cluster.Gateways, i % cluster.Gateways.Count, clock)).ToList();
        try
        {
            foreach (var person in people)
            {
                await person.JoinAsync();
            }

            using var stop = new CancellationTokenSource();
            var traffic = people.Select(p => Task.Run(() => p.RunAsync(stop.Token))).ToList();
            await Task.Delay(Warmup);
            var faultsDone = new List<(string Name, double At)>();
            foreach (var fault in faults)
            {
                await fault.Act(cluster);
                var at = clock.Elapsed.TotalSeconds;
                faultsDone.Add((fault.Name, at));
                log($"{at,7:0.0} s  {fault.Name}");
                var ending = EndAsync(fault, clock, log);
                await WaitForAcksAfterAsync(people, at, traffic);
                var ended = await ending;
                await WaitForAcksAfterAsync(people, ended, traffic); // a lasting fault: served again once it ended, too
                var (acksBack, liveBack) = FaultOutcome.Recovery(at, [.. people.Select(p => p.History())]);
                log($"{clock.Elapsed.TotalSeconds,7:0.0} s  every user acked again after {SoFar(acksBack)}, live back after {SoFar(liveBack)}");
                await Task.Delay(Calm);
            }

            await stop.CancelAsync();
            await Task.WhenAll(traffic).WaitAsync(TimeSpan.FromMinutes(3)); // each user finishes the send in flight
            log($"{clock.Elapsed.TotalSeconds,7:0.0} s  traffic stopped; reading everything back");
            var synced = new List<SyncedMessage>();
            foreach (var person in people)
            {
                var reader = await person.ReaderAsync().WaitAsync(TimeSpan.FromMinutes(1));
                synced.AddRange(await DeliveryAudit.SyncFromZeroAsync(reader, person.Rooms.Select(ConversationId.ForRoom)));
            }

            return ChaosReport.Of([.. people.Select(p => p.History())], synced, faultsDone);
        }
        finally
        {
            foreach (var person in people)
            {
                await person.CloseAsync();
            }
        }
    }

    private static string SoFar(double? seconds) => seconds is null ? "(not yet)" : $"{ChaosReport.Seconds(seconds)} s";

    /// <summary>Ends a lasting fault when its time is up; when it ended (at once for a single blow).</summary>
    private async Task<double> EndAsync(ChaosFault fault, Stopwatch clock, Action<string> log)
    {
        if (fault.End is null)
        {
            return clock.Elapsed.TotalSeconds;
        }

        await Task.Delay(fault.Lasts);
        await fault.End(cluster);
        log($"{clock.Elapsed.TotalSeconds,7:0.0} s  ... ended");
        return clock.Elapsed.TotalSeconds;
    }

    private async Task WaitForAcksAfterAsync(IReadOnlyList<ChaosUser> people, double at, IReadOnlyList<Task> traffic)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < RecoveryWindow && !people.All(p => p.Acked.Any(a => a.At > at)))
        {
            if (traffic.FirstOrDefault(t => t.IsFaulted) is { } failed)
            {
                await failed; // a user gave up on a send: that is the finding, throw it
            }

            await Task.Delay(100);
        }
    }

}
