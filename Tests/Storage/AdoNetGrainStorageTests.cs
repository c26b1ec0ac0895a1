using Microsoft.Extensions.Configuration;
using Npgsql;
using Orleans.Hosting;
using Orleans.Storage;
using Orleans.TestingHost;
using OrleansChat.Silo;
using OrleansChat.Tests.Infrastructure;

namespace OrleansChat.Tests.Storage;

/// <summary>Grain state through Orleans' real ADO.NET provider against the schema from postgres-grain-storage.sql.</summary>
[Collection(PostgresFixtureDefinition.Name)]
public sealed class AdoNetGrainStorageTests(PostgresServer postgres)
{
    private const string ServiceId = "orleanschat-storage-tests";

    public sealed class AdoNetStorageSiloConfigurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder siloBuilder)
        {
            var connectionString = siloBuilder.Configuration[SiloCommands.PostgresConnectionStringKey];
            siloBuilder.AddAdoNetGrainStorage("chat", options =>
            {
                options.Invariant = "Npgsql";
                options.ConnectionString = connectionString;
            });
        }
    }

    private static async Task<TestCluster> StartClusterAsync(string connectionString)
    {
        var builder = new TestClusterBuilder(1);
        builder.Options.ServiceId = ServiceId;
        builder.ConfigureHostConfiguration(config => config.AddInMemoryCollection(new Dictionary<string, string?>
        {
            [SiloCommands.PostgresConnectionStringKey] = connectionString,
        }));
        builder.AddSiloBuilderConfigurator<AdoNetStorageSiloConfigurator>();
        var cluster = builder.Build();
        await cluster.DeployAsync();
        return cluster;
    }

    private static Task StopAsync(TestCluster cluster) => StorageTestDatabase.StopAsync(cluster);

    private Task<string> NewMigratedDatabaseAsync(string name) => StorageTestDatabase.NewMigratedAsync(postgres, name);

    private static async Task<(int Version, bool HasPayload)> ReadRowAsync(string connectionString, string grainKey)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT Version, PayloadBinary IS NOT NULL FROM OrleansStorage WHERE GrainIdExtensionString = @key AND ServiceId = @service",
            connection);
        command.Parameters.AddWithValue("key", grainKey);
        command.Parameters.AddWithValue("service", ServiceId);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync(), $"no OrleansStorage row for grain key '{grainKey}'");
        var row = (reader.GetInt32(0), reader.GetBoolean(1));
        Assert.False(await reader.ReadAsync(), $"more than one OrleansStorage row for grain key '{grainKey}'");
        return row;
    }

    [Fact]
    public async Task State_survives_a_cluster_restart_and_can_be_cleared()
    {
        var connectionString = await NewMigratedDatabaseAsync("grain_roundtrip");

        var first = await StartClusterAsync(connectionString);
        try
        {
            var counter = first.GrainFactory.GetGrain<ICounterGrain>("alice");
            Assert.Equal(0, await counter.Get());
            Assert.False((await counter.Snapshot()).RecordExists);
            Assert.Equal(5, await counter.Add(5));
            Assert.Equal(7, await counter.Add(2));
            Assert.Equal("2", (await counter.Snapshot()).ETag);
        }
        finally
        {
            await StopAsync(first);
        }

        Assert.Equal((2, true), await ReadRowAsync(connectionString, "alice"));

        var second = await StartClusterAsync(connectionString);
        try
        {
            var counter = second.GrainFactory.GetGrain<ICounterGrain>("alice");
            var restored = await counter.Snapshot();
            Assert.Equal(7, restored.Value);
            Assert.Equal(["+5", "+2"], restored.History);
            Assert.Equal("2", restored.ETag);
            Assert.True(restored.RecordExists);

            await counter.Clear();
            Assert.Equal((3, false), await ReadRowAsync(connectionString, "alice"));

            // A fresh activation reads the cleared row: default state, and writing continues from version 3.
            await counter.Deactivate();
            var management = second.GrainFactory.GetGrain<IManagementGrain>(0);
            await Eventually.TrueAsync(async () => await management.GetGrainActivationCount((GrainReference)counter) == 0, "the counter is deactivated");
            Assert.Equal(0, await counter.Get());
            Assert.Equal(4, await counter.Add(4));
            Assert.Equal((4, true), await ReadRowAsync(connectionString, "alice"));

            // Other grains are stored independently.
            Assert.Equal(1, await second.GrainFactory.GetGrain<ICounterGrain>("bob").Add(1));
            Assert.Equal(4, await counter.Get());
        }
        finally
        {
            await StopAsync(second);
        }
    }

    [Fact]
    public async Task A_stale_write_raises_InconsistentStateException()
    {
        var connectionString = await NewMigratedDatabaseAsync("grain_stale_write");
        var cluster = await StartClusterAsync(connectionString);
        try
        {
            var counter = cluster.GrainFactory.GetGrain<ICounterGrain>("carol");
            Assert.Equal(1, await counter.Add(1));

            // Someone else (a duplicate activation, another service instance) writes behind the grain's back.
            await using (var connection = new NpgsqlConnection(connectionString))
            {
                await connection.OpenAsync();
                await using var bump = new NpgsqlCommand(
                    "UPDATE OrleansStorage SET Version = Version + 1 WHERE GrainIdExtensionString = 'carol'", connection);
                Assert.Equal(1, await bump.ExecuteNonQueryAsync());
            }

            await Assert.ThrowsAsync<InconsistentStateException>(() => counter.Add(1));
            Assert.Equal((2, true), await ReadRowAsync(connectionString, "carol"));
        }
        finally
        {
            await StopAsync(cluster);
        }
    }
}
