using Microsoft.Extensions.Logging.Abstractions;
using Orleans.TestingHost;
using OrleansChat.Silo.Storage;
using OrleansChat.Tests.Infrastructure;

namespace OrleansChat.Tests.Storage;

/// <summary>What the grain-storage tests share: a freshly migrated database, and stopping a cluster for good.</summary>
internal static class StorageTestDatabase
{
    public static async Task<string> NewMigratedAsync(PostgresServer postgres, string name)
    {
        var connectionString = await postgres.CreateDatabaseAsync(name);
        await new PostgresSchemaMigrator(NullLogger<PostgresSchemaMigrator>.Instance).MigrateAsync(connectionString);
        return connectionString;
    }

    public static async Task StopAsync(TestCluster cluster)
    {
        await cluster.StopAllSilosAsync();
        await cluster.DisposeAsync();
    }
}
