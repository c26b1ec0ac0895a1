using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;
using Orleans.Storage;
using Orleans.TestingHost;
using OrleansChat.Grains;
using OrleansChat.Grains.Hosting;
using OrleansChat.Grains.MessageLog;
using OrleansChat.Grains.MessageLog.InMemory;
using OrleansChat.Grains.Rooms;
using OrleansChat.Model;
using OrleansChat.Protocol;
using OrleansChat.Tests.Infrastructure;

namespace OrleansChat.Tests.Reliability;

/// <summary>
/// A recall survives the death of the silo that made it: on a 3-silo TestCluster, the silo hosting the room is killed
/// (no deactivation, no goodbye) right after a recall; the room reactivates elsewhere and still shows the placeholder
/// and the recall entry, refuses a second recall, and counts neither as unread.
/// </summary>
public sealed class RecallAfterSiloKillTests : IAsyncLifetime
{
    private static readonly InMemoryMessageLog Log = new();
    private static readonly InMemoryRoomMemberStore Members = new();

    private TestCluster _cluster = null!;

    public async Task InitializeAsync()
    {
        _cluster = await OwnTestCluster.StartAsync<Configurator>(silos: 3);
    }

    public async Task DisposeAsync()
    {
        await OwnTestCluster.StopAsync(_cluster);
    }

    [Fact]
    public async Task A_recall_is_kept_after_the_rooms_silo_is_killed()
    {
        var grains = _cluster.Client;
        await using var gateway = new TestGateway(grains, renew: false, TimeSpan.FromMinutes(1));
        var (alice, bob) = (Names.User("alice"), Names.User("bob"));
        var (room, victim) = await RoomOffThePrimaryAsync(gateway, alice);
        await gateway.Join(room, bob);
        var conv = ConversationId.ForRoom(room);
        await gateway.Room(room).Send(alice, "m1", new TextBody("oops"));
        await gateway.Room(room).Send(alice, "m2", new TextBody("meant this"));
        var recall = await gateway.Room(room).Recall(alice, 1);

        await _cluster.KillSiloAsync(victim);

        MessagePage page = null!;
        await Eventually.TrueAsync(async () =>
        {
            try
            {
                page = await gateway.Room(room).ReadBefore(bob.Id, null, 10);
                return true;
            }
            catch (Exception e) when (e is not ChatException)
            {
                return false; // the dead silo not yet declared dead: calls to its grains fail until then
            }
        }, "the room answers again from a surviving silo", TimeSpan.FromSeconds(60));
        Assert.Equal(
            [(1L, (MessageBody)new RecalledBody()), (2L, new TextBody("meant this")), (recall.Seq, new RecallBody(1))],
            page.Messages.Select(m => (m.Seq, m.Body)));
        var again = await Assert.ThrowsAsync<ChatException>(() => gateway.Room(room).Recall(alice, 1));
        Assert.Equal(ChatErrorCode.Conflict, again.Code);
        var entry = Assert.Single((await grains.GetGrain<IUserGrain>(bob.Id).ListConversations(null, null)).Conversations);
        Assert.Equal((conv, 1L, "recall"), (entry.Conv, entry.Unread, entry.Last?.Kind));
        var host = await grains.GetGrain<IManagementGrain>(0).GetActivationAddress(gateway.Room(room));
        Assert.NotEqual(victim.SiloAddress, host);
    }

    /// <summary>A room whose grain lives on a secondary silo (killing the primary would take the test cluster's membership with it).</summary>
    private async Task<(string Room, SiloHandle Host)> RoomOffThePrimaryAsync(TestGateway gateway, UserProfile owner)
    {
        var management = _cluster.Client.GetGrain<IManagementGrain>(0);
        for (var attempt = 0; attempt < 20; attempt++)
        {
            var room = Names.New("recall");
            await gateway.Join(room, owner);
            var host = await management.GetActivationAddress(gateway.Room(room));
            if (_cluster.SecondarySilos.FirstOrDefault(s => s.SiloAddress.Equals(host)) is { } secondary)
            {
                return (room, secondary);
            }
        }

        throw new InvalidOperationException("no room landed on a secondary silo in 20 attempts");
    }

    private sealed class Configurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder siloBuilder)
        {
            var configuration = new ConfigurationBuilder()
                .AddInMemoryCollection(new Dictionary<string, string?> { ["Chat:RecallWindow"] = "00:05:00" })
                .Build();
            siloBuilder.Services.AddSingleton<IMessageLog>(Log);
            siloBuilder.Services.AddSingleton<IRoomMemberStore>(Members);
            siloBuilder.AddChatGrains(configuration);
            siloBuilder.Services.AddKeyedSingleton<IGrainStorage, SharedTestGrainStorage>(ChatSiloExtensions.StorageName);
            siloBuilder.Services.Configure<ClusterMembershipOptions>(o =>
            {
                // Declared dead within seconds: the test waits for that, not for the defaults' half a minute.
                o.ProbeTimeout = TimeSpan.FromSeconds(1);
                o.NumMissedProbesLimit = 1;
                o.NumVotesForDeathDeclaration = 1;
                o.TableRefreshTimeout = TimeSpan.FromSeconds(1);
            });
        }
    }
}
