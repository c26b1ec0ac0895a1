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
            var outcomes = new List<(ChaosFault Fault, double At)>();
            foreach (var fault in faults)
            {
                await fault.Act(cluster);
                var at = clock.Elapsed.TotalSeconds;
                outcomes.Add((fault, at));
                log($"{at,7:0.0} s  {fault.Name}");
                await WaitForAcksAfterAsync(people, at, traffic);
                var outcome = Outcome(fault, at, people);
                log($"{clock.Elapsed.TotalSeconds,7:0.0} s  every user acked again after {outcome.AcksBackAfter:0.00} s, live back after {outcome.LiveBackAfter:0.00} s");
                await Task.Delay(Calm);
            }

            await stop.CancelAsync();
            await Task.WhenAll(traffic).WaitAsync(TimeSpan.FromMinutes(3)); // each user finishes the send in flight
            log($"{clock.Elapsed.TotalSeconds,7:0.0} s  traffic stopped; reading everything back");
            var synced = new List<SyncedMessage>();
            foreach (var person in people)
            {
                var reader = await person.ReaderAsync().WaitAsync(TimeSpan.FromMinutes(1));
                synced.AddRange(await SyncFromZeroAsync(reader, person.Rooms.Select(ConversationId.ForRoom)));
            }

            return ChaosReport.Of(people, synced, [.. outcomes.Select(o => Outcome(o.Fault, o.At, people))]);
        }
        finally
        {
            foreach (var person in people)
            {
                await person.CloseAsync();
            }
        }
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

    private static FaultOutcome Outcome(ChaosFault fault, double at, IReadOnlyList<ChaosUser> people)
    {
        var acksBack = people.Select(p => p.Acked.Where(a => a.At > at).Select(a => a.At - at).DefaultIfEmpty(double.NaN).Min()).ToList();
        // Users connected across the fault: one span from before it to well after it.
        var stayed = people.Where(p => p.Spans.Any(s => s.From < at && (s.To ?? double.MaxValue) > at + 10)).ToList();
        var liveBack = stayed.Select(p => p.Live.Where(l => l.At > at).Select(l => l.At - at).DefaultIfEmpty(double.NaN).Min()).ToList();
        return new FaultOutcome(fault.Name, at, MaxOrNull(acksBack), MaxOrNull(liveBack));
    }

    private static double? MaxOrNull(List<double> values) => values.Count == 0 || values.Any(double.IsNaN) ? null : values.Max();

    /// <summary>Everything in the given conversations, by <c>sync</c> from seq 0, page after page.</summary>
    private static async Task<List<SyncedMessage>> SyncFromZeroAsync(ChatClient client, IEnumerable<string> conversations)
    {
        var cursors = conversations.Distinct().ToDictionary(c => c, _ => 0L);
        var messages = new List<SyncedMessage>();
        while (cursors.Count > 0)
        {
            var reply = await client.RequestAsync(id => new { type = "sync", id, cursors }, TimeSpan.FromSeconds(30));
            Assert.True(reply.Type == "sync", $"sync failed: {reply}");
            foreach (var conversation in reply.Json.GetProperty("conversations").EnumerateArray())
            {
                var conv = conversation.GetProperty("conv").GetString()!;
                Assert.False(conversation.TryGetProperty("error", out var error), $"sync of {conv}: {error}");
                var page = conversation.GetProperty("messages").EnumerateArray().Select(m => new SyncedMessage(
                    conv,
                    m.GetProperty("seq").GetInt64(),
                    m.GetProperty("from").GetProperty("id").GetString()!,
                    m.TryGetProperty("id", out var clientId) ? clientId.GetString() : null)).ToList();
                messages.AddRange(page);
                if (conversation.GetProperty("more").GetBoolean() && page.Count > 0)
                {
                    cursors[conv] = page[^1].Seq;
                }
                else
                {
                    cursors.Remove(conv);
                }
            }
        }

        return messages;
    }
}
