using Microsoft.Extensions.Configuration;
using Npgsql;
using Orleans.TestingHost;
using OrleansChat.Grains;
using OrleansChat.Grains.Hosting;
using OrleansChat.Model;
using OrleansChat.Protocol;
using OrleansChat.Silo;
using OrleansChat.Tests.Infrastructure;

namespace OrleansChat.Tests.Storage;

/// <summary>
/// The chat grains' state in PostgreSQL as the silo configures it (Storage:Provider = Postgres, so
/// <see cref="ChatGrainStorageSerializer"/>): written by one cluster, read by a fresh one.
/// </summary>
[Collection(PostgresFixtureDefinition.Name)]
public sealed class ChatGrainStateStorageTests(PostgresServer postgres)
{
    private const string ServiceId = "orleanschat-state-tests";
    private static readonly UserProfile Alice = new("alice", "Alice", "https://cdn.example/alice.png");
    private static readonly UserProfile Bob = new("bob", "Bob", null);

    public sealed class ChatStorageSiloConfigurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder siloBuilder) => siloBuilder.AddChatGrains(siloBuilder.Configuration).AddGrainInspection();
    }

    [Fact]
    public async Task State_written_by_one_cluster_is_read_by_a_fresh_one_and_is_stored_without_type_names()
    {
        var connectionString = await NewMigratedDatabaseAsync("chat_state");
        var dmKey = ConversationId.DmKey(Alice.Id, Bob.Id);

        var first = await StartClusterAsync(connectionString, ChatConfigurator);
        try
        {
            await using var gateway = new TestGateway(first.Client, renew: false, TimeSpan.FromSeconds(1));
            await gateway.Connect(Alice);
            await gateway.Create("plans", Alice, RoomVisibility.Private);
            await gateway.Room("plans").Ban(Alice, "mallory", reason: null);
            await first.Client.GetGrain<IPrivateChatGrain>(dmKey).Request(Alice);
        }
        finally
        {
            await StopAsync(first);
        }

        var payloads = await PayloadsAsync(connectionString);
        Assert.True(payloads.Count >= 3, $"expected user, room and dm rows, found {payloads.Count}");
        Assert.All(payloads, p =>
        {
            Assert.NotEqual((byte)'{', p[0]);
            Assert.Equal(-1, p.AsSpan().IndexOf("OrleansChat"u8));
        });

        var second = await StartClusterAsync(connectionString, ChatConfigurator);
        try
        {
            Assert.Equal(Alice, await second.Client.GetGrain<IUserGrain>(Alice.Id).GetProfile());
            var members = await second.Client.GetGrain<IGroupRoomGrain>("plans").GetMembers(Alice.Id);
            var owner = Assert.Single(members);
            Assert.Equal((Alice, (RoomRole?)RoomRole.Owner), (owner.User, owner.Role));
            var banned = await Assert.ThrowsAsync<ChatException>(() => second.Client.GetGrain<IGroupRoomGrain>("plans").Invite(Alice, "mallory"));
            Assert.Equal(ChatErrorCode.Conflict, banned.Code);
            Assert.Contains("banned", banned.Message, StringComparison.Ordinal);
            Assert.Equal(new DmState(ConversationId.ForDm(Alice.Id, Bob.Id), DmStatus.Requested, Alice.Id),
                await second.Client.GetGrain<IPrivateChatGrain>(dmKey).GetState());
        }
        finally
        {
            await StopAsync(second);
        }
    }

    [Fact]
    public async Task A_row_written_as_JSON_by_the_provider_default_is_still_read()
    {
        var connectionString = await NewMigratedDatabaseAsync("chat_state_legacy");
        var legacy = await StartClusterAsync(connectionString, typeof(AdoNetGrainStorageTests.AdoNetStorageSiloConfigurator));
        try
        {
            Assert.Equal(5, await legacy.Client.GetGrain<ICounterGrain>("legacy").Add(5));
        }
        finally
        {
            await StopAsync(legacy);
        }

        Assert.Equal((byte)'{', Assert.Single(await PayloadsAsync(connectionString))[0]);

        var current = await StartClusterAsync(connectionString, ChatConfigurator);
        try
        {
            var counter = current.Client.GetGrain<ICounterGrain>("legacy");
            Assert.Equal(5, await counter.Get());
            Assert.Equal(7, await counter.Add(2));
        }
        finally
        {
            await StopAsync(current);
        }

        Assert.NotEqual((byte)'{', Assert.Single(await PayloadsAsync(connectionString))[0]);
    }

    private static Type ChatConfigurator => typeof(ChatStorageSiloConfigurator);

    private static async Task<TestCluster> StartClusterAsync(string connectionString, Type configurator)
    {
        var builder = new TestClusterBuilder(1);
        builder.Options.ServiceId = ServiceId;
        builder.ConfigureHostConfiguration(config => config.AddInMemoryCollection(new Dictionary<string, string?>
        {
            [SiloCommands.PostgresConnectionStringKey] = connectionString,
            ["Storage:Provider"] = "Postgres",
        }));
        builder.Options.SiloBuilderConfiguratorTypes.Add(configurator.AssemblyQualifiedName!);
        var cluster = builder.Build();
        await cluster.DeployAsync();
        return cluster;
    }

    private static Task StopAsync(TestCluster cluster) => StorageTestDatabase.StopAsync(cluster);

    private Task<string> NewMigratedDatabaseAsync(string name) => StorageTestDatabase.NewMigratedAsync(postgres, name);

    private static async Task<List<byte[]>> PayloadsAsync(string connectionString)
    {
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await using var select = dataSource.CreateCommand("SELECT PayloadBinary FROM OrleansStorage WHERE PayloadBinary IS NOT NULL");
        await using var reader = await select.ExecuteReaderAsync();
        var payloads = new List<byte[]>();
        while (await reader.ReadAsync())
        {
            payloads.Add(reader.GetFieldValue<byte[]>(0));
        }

        return payloads;
    }
}
