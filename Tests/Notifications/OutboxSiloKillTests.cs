using System.Collections.Concurrent;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;
using OrleansChat.Grains;
using OrleansChat.Grains.Hosting;
using OrleansChat.Grains.MessageLog;
using OrleansChat.Grains.MessageLog.InMemory;
using OrleansChat.Grains.Notifications;
using OrleansChat.Grains.Notifications.InMemory;
using OrleansChat.Grains.Rooms;
using OrleansChat.Tests.Infrastructure;

namespace OrleansChat.Tests.Notifications;

/// <summary>
/// The outbox survives a silo kill: 3 silos work 8 shards of 240 entries through a slow channel; a silo is killed
/// while they do. Its shards come back on the survivors (poked every 200 ms) and every entry reaches the deduping
/// receiver: nothing lost, and each id once after dedupe (an entry in flight on the dead silo may arrive twice, with
/// its id). The two silos of a process share the store, as silos share a database. An in-process "kill" leaves the
/// dead silo's grains running for a while, like a paused process declared dead: the claims keep its worker and the
/// survivors' apart.
/// </summary>
public sealed class OutboxSiloKillTests : IAsyncLifetime
{
    private const int Entries = 240;

    private static readonly InMemoryNotificationOutbox Outbox = new();
    private static readonly RecordingChannel Channel = new("slow") { Delay = TimeSpan.FromMilliseconds(100) };

    private TestCluster _cluster = null!;

    public async Task InitializeAsync()
    {
        _cluster = await OwnTestCluster.StartAsync<SiloConfigurator>(silos: 3);
    }

    public async Task DisposeAsync()
    {
        await OwnTestCluster.StopAsync(_cluster);
    }

    [Fact]
    public async Task Every_entry_is_delivered_after_a_silo_is_killed_mid_delivery()
    {
        var t0 = DateTimeOffset.UtcNow;
        var ids = Enumerable.Range(0, Entries).Select(i => $"kill:{i}").ToList();
        var payload = OutboxEntries.ToJson(new UserNotificationPayload("u", "dm:a:b", false, "A", "A", null));
        await Outbox.EnqueueAsync([.. ids.Select((id, i) => new OutboxEntry(id, OutboxEntryKind.User, OutboxEntries.ShardOf($"user{i}", 8), payload, 1, 1, t0, t0, t0))]);

        await Eventually.TrueAsync(() => Channel.Calls.Count >= Entries / 8, "delivery is under way");
        var victim = await SiloHostingMostShardsAsync();
        await _cluster.KillSiloAsync(victim);

        await Eventually.TrueAsync(
            async () => (await Task.WhenAll(ids.Select(id => Outbox.FindAsync(id)))).All(e => e?.Status == OutboxStatus.Sent),
            "every entry is sent", TimeSpan.FromSeconds(60));
        var received = Channel.Delivered.Select(n => n.Id).ToList();
        Assert.Equal(ids.Order(StringComparer.Ordinal), received.Distinct().Order(StringComparer.Ordinal));
        Assert.True(received.Count - Entries <= 8 * 5, $"{received.Count - Entries} duplicates: only entries in flight on the dead silo may come twice");
    }

    private async Task<SiloHandle> SiloHostingMostShardsAsync()
    {
        var management = _cluster.Client.GetGrain<IManagementGrain>(0);
        var hosts = new ConcurrentBag<SiloAddress>();
        for (var shard = 0; shard < 8; shard++)
        {
            var address = await management.GetActivationAddress(_cluster.Client.GetGrain<INotificationShardGrain>(shard));
            if (address is not null)
            {
                hosts.Add(address);
            }
        }

        var busiest = hosts.Where(h => h != _cluster.Primary?.SiloAddress).GroupBy(h => h).OrderByDescending(g => g.Count()).Select(g => g.Key).FirstOrDefault();
        return _cluster.SecondarySilos.FirstOrDefault(s => s.SiloAddress == busiest) ?? _cluster.SecondarySilos[0];
    }

    public sealed class SiloConfigurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder siloBuilder)
        {
            var configuration = new ConfigurationBuilder()
                .AddInMemoryCollection(new Dictionary<string, string?>
                {
                    ["Notifications:PollInterval"] = "00:00:00.200",
                    ["Notifications:BatchSize"] = "5",
                    ["Notifications:ClaimLease"] = "00:00:02", // what the dead silo had claimed is due again 2 s later
                })
                .Build();
            siloBuilder.Services.AddSingleton<IMessageLog>(new InMemoryMessageLog());
            siloBuilder.Services.AddSingleton<IRoomMemberStore>(new InMemoryRoomMemberStore());
            siloBuilder.Services.AddSingleton<INotificationOutbox>(Outbox);
            siloBuilder.Services.AddSingleton<IUserNotificationChannel>(Channel);
            siloBuilder.AddChatGrains(configuration);
        }
    }
}
