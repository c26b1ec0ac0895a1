using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using OrleansChat.Grains;
using OrleansChat.Model;
using OrleansChat.Tests.Infrastructure;
using Xunit.Abstractions;

namespace OrleansChat.Tests.Cluster;

/// <summary>
/// Crash safety with a real kill: two <c>Silo</c> processes (Redis membership, grain state and the message log in
/// PostgreSQL) behind a Client-mode gateway; users chat in rooms and a DM, resending unacknowledged sends with the
/// same id as the SDK does; the silo hosting most conversations is killed mid-traffic. Afterwards every client
/// syncs from 0, and nothing acknowledged may be lost, nothing duplicated, and every conversation is gap-free.
/// </summary>
[Collection(ProductionBackendsGroup.Name)]
public sealed class SiloCrashTests(ProductionBackends backends, ITestOutputHelper output)
{
    private const int Users = 6;
    private const int Rooms = 3;
    private const int AcksBeforeKill = 60;
    private const int AcksPerUserAfterKill = 15;

    [Fact]
    public async Task Killing_a_silo_mid_traffic_loses_no_acknowledged_message_and_duplicates_none()
    {
        var database = await ProductionCluster.CreateMigratedDatabaseAsync(backends.Postgres);
        var settings = new Dictionary<string, string>(ProductionCluster.FastFailureDetection)
        {
            ["MessageLog:Provider"] = "Postgres",
            ["MessageLog:Postgres:ConnectionString"] = database,
        };
        await using var cluster = await ProductionCluster.StartAsync(backends, database, "svc-" + Guid.NewGuid().ToString("N")[..8], silos: 2, settings);
        var grains = cluster.Gateway.Services.GetRequiredService<IGrainFactory>();
        var management = grains.GetGrain<IManagementGrain>(0);
        await Eventually.TrueAsync(async () => (await management.GetHosts(onlyActive: true)).Count == 2, "both silos joined", TimeSpan.FromSeconds(30));

        var senders = await ConnectUsersAsync(cluster.Gateway);
        try
        {
            await Task.WhenAll(senders.Select(s => s.SendToEachAsync()));
            var victim = await SiloHostingMostConversationsAsync(cluster, management, grains, senders);

            using var stop = new CancellationTokenSource();
            var traffic = senders.Select(s => Task.Run(() => s.RunAsync(stop.Token))).ToList();
            await Eventually.TrueAsync(() => senders.Sum(s => s.AckedCount) >= AcksBeforeKill, "traffic flowed before the kill", TimeSpan.FromSeconds(20));

            var ackedAtKill = senders.ToDictionary(s => s, s => s.AckedCount);
            var sinceKill = Stopwatch.StartNew();
            victim.Silo.Process.Kill();
            output.WriteLine($"killed the silo on port {victim.Silo.SiloPort}, host of {victim.Conversations} of {senders.SelectMany(s => s.Targets).Select(t => t.Conv).Distinct().Count()} conversations, after {ackedAtKill.Values.Sum()} acks");

            await Eventually.TrueAsync(
                () => senders.All(s => s.AckedCount >= ackedAtKill[s] + AcksPerUserAfterKill) || traffic.Any(t => t.IsFaulted),
                $"every user had {AcksPerUserAfterKill} more messages acknowledged after the kill", TimeSpan.FromSeconds(40));
            output.WriteLine($"every user had {AcksPerUserAfterKill} more acks {sinceKill.Elapsed.TotalSeconds:0.0} s after the kill");
            await stop.CancelAsync();
            await Task.WhenAll(traffic);

            var synced = new List<SyncedMessage>();
            foreach (var sender in senders)
            {
                synced.AddRange(await DeliveryAudit.SyncFromZeroAsync(sender.Client, sender.Targets.Select(t => t.Conv)));
            }

            var audit = DeliveryAudit.Of(senders.SelectMany(s => s.Acked).ToList(), synced);
            output.WriteLine(audit.ToString());
            output.WriteLine($"resends: {senders.Sum(s => s.Errors)} after an error reply, {senders.Sum(s => s.Timeouts)} after no reply in time");
            Assert.True(victim.Conversations > 0, "the killed silo hosted no conversation");
            Assert.True(audit.Acked >= AcksBeforeKill + (Users * AcksPerUserAfterKill), audit.ToString());
            Assert.Equal(0, audit.Lost);
            Assert.Equal(0, audit.Duplicated);
            Assert.Equal(0, audit.Gaps);
            Assert.Equal(0, audit.Disagreements);
            Assert.Equal(0, audit.Strays);
            Assert.Equal(audit.Acked, audit.Stored);
        }
        catch (Exception e) when (e is not Xunit.Sdk.XunitException)
        {
            throw new InvalidOperationException("crash test failed; silo output:\n" + string.Join("\n---\n", cluster.Silos.Select(s => s.Process.Output)), e);
        }
        finally
        {
            foreach (var sender in senders)
            {
                await sender.Client.DisposeAsync();
            }
        }
    }

    /// <summary>
    /// Users u0..u5; user i is in rooms i and i+1 (mod 3), so each room has four members; u0 and u1 also share an
    /// open DM.
    /// </summary>
    private static async Task<List<OutboxSender>> ConnectUsersAsync(GatewayServer gateway)
    {
        var ids = Enumerable.Range(0, Users).Select(i => GatewayServer.UniqueName($"u{i}")).ToArray();
        var rooms = Enumerable.Range(0, Rooms).Select(i => GatewayServer.UniqueName($"r{i}")).ToArray();
        var clients = await Task.WhenAll(ids.Select(id => gateway.ConnectAsync(id)));
        var senders = new List<OutboxSender>();
        for (var i = 0; i < Users; i++)
        {
            var targets = new List<OutboxSender.Target>();
            foreach (var room in new[] { rooms[i % Rooms], rooms[(i + 1) % Rooms] })
            {
                await clients[i].AckedAsync(id => new { type = "room.join", id, room });
                targets.Add(new OutboxSender.Target(ConversationId.ForRoom(room),
                    (id, text) => new { type = "room.send", id, room, body = new { kind = "text", text } }));
            }

            if (i < 2)
            {
                var peer = ids[1 - i];
                targets.Add(new OutboxSender.Target(ConversationId.ForDm(ids[0], ids[1]),
                    (id, text) => new { type = "dm.send", id, to = peer, body = new { kind = "text", text } }));
            }

            senders.Add(new OutboxSender(clients[i], ids[i], targets));
        }

        await clients[0].AckedAsync(id => new { type = "dm.request", id, to = ids[1] });
        await clients[1].WaitForAsync(f => f.Type == "dm.request");
        await clients[1].AckedAsync(id => new { type = "dm.accept", id, from = ids[0] });
        return senders;
    }

    private sealed record Victim(ProductionCluster.Silo Silo, int Conversations);

    /// <summary>The silo that hosts the most conversation grains, so the kill certainly hits live conversations.</summary>
    private static async Task<Victim> SiloHostingMostConversationsAsync(
        ProductionCluster cluster, IManagementGrain management, IGrainFactory grains, IEnumerable<OutboxSender> senders)
    {
        var hostPorts = new List<int>();
        foreach (var conv in senders.SelectMany(s => s.Targets).Select(t => t.Conv).Distinct())
        {
            IAddressable grain = ConversationId.TryParseRoom(conv, out var room)
                ? grains.GetGrain<IGroupRoomGrain>(room)
                : grains.GetGrain<IPrivateChatGrain>(conv[ConversationId.DmPrefix.Length..]);
            var host = await management.GetActivationAddress(grain);
            hostPorts.Add(host?.Endpoint.Port ?? 0);
        }

        var busiest = hostPorts.Where(p => p != 0).GroupBy(p => p).OrderByDescending(g => g.Count()).First();
        return new Victim(cluster.Silos.Single(s => s.SiloPort == busiest.Key), busiest.Count());
    }

}
