using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using OrleansChat.Silo.Storage;
using OrleansChat.Tests.Infrastructure;

namespace OrleansChat.Tests.Storage;

[Collection(PostgresFixtureDefinition.Name)]
public sealed class PostgresSchemaMigratorTests(PostgresServer postgres)
{
    private static PostgresSchemaMigrator NewMigrator() => new(NullLogger<PostgresSchemaMigrator>.Instance);

    [Fact]
    public async Task Migration_runs_twice_and_creates_every_query_key()
    {
        var connectionString = await postgres.CreateDatabaseAsync("migrate_twice");

        var first = await NewMigrator().MigrateAsync(connectionString);
        var second = await NewMigrator().MigrateAsync(connectionString);

        Assert.Equal(first.ScriptSha256, second.ScriptSha256);
        Assert.Equal(PostgresSchemaMigrator.RequiredQueryKeys, second.QueryKeys);

        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        foreach (var key in PostgresSchemaMigrator.RequiredQueryKeys)
        {
            await using var command = new NpgsqlCommand("SELECT QueryText FROM OrleansQuery WHERE QueryKey = @key", connection);
            command.Parameters.AddWithValue("key", key);
            var text = (string?)await command.ExecuteScalarAsync();
            Assert.False(string.IsNullOrWhiteSpace(text), $"OrleansQuery row '{key}' is missing");
            Assert.Contains("@GrainIdHash", text, StringComparison.Ordinal);
        }

        await using var countRows = new NpgsqlCommand("SELECT count(*) FROM OrleansQuery", connection);
        Assert.Equal(3L, (long)(await countRows.ExecuteScalarAsync())!);
        await using var history = new NpgsqlCommand("SELECT count(*) FROM OrleansChatSchemaHistory", connection);
        Assert.Equal(2L, (long)(await history.ExecuteScalarAsync())!);
    }

    [Fact]
    public async Task Concurrent_migrations_are_serialised_by_the_advisory_lock()
    {
        var connectionString = await postgres.CreateDatabaseAsync("migrate_concurrently");

        var runs = Enumerable.Range(0, 4).Select(_ => NewMigrator().MigrateAsync(connectionString));
        var results = await Task.WhenAll(runs);

        Assert.All(results, r => Assert.Equal(PostgresSchemaMigrator.RequiredQueryKeys, r.QueryKeys));
    }

    [Fact]
    public async Task Stale_versions_are_rejected_by_the_write_and_clear_functions()
    {
        var connectionString = await postgres.CreateDatabaseAsync("versioning");
        await NewMigrator().MigrateAsync(connectionString);
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();

        async Task<int?> Call(string function, int? version, bool withPayload = true)
        {
            var payload = withPayload ? ", @payload" : string.Empty;
            await using var command = new NpgsqlCommand(
                $"SELECT NewGrainStateVersion FROM {function}(1, 0, 42, 7, 'T', NULL, 'svc', @version{payload})", connection);
            command.Parameters.Add(new NpgsqlParameter("version", NpgsqlTypes.NpgsqlDbType.Integer) { Value = (object?)version ?? DBNull.Value });
            if (withPayload)
            {
                command.Parameters.AddWithValue("payload", new byte[] { 1, 2, 3 });
            }

            var result = await command.ExecuteScalarAsync();
            return result is DBNull or null ? null : (int)result;
        }

        Assert.Equal(1, await Call("OrleansChat_WriteToStorage", null));
        Assert.Null(await Call("OrleansChat_WriteToStorage", null));          // second "first insert" loses
        Assert.Equal(2, await Call("OrleansChat_WriteToStorage", 1));
        Assert.Null(await Call("OrleansChat_WriteToStorage", 1));             // stale
        Assert.Null(await Call("OrleansChat_ClearStorage", 1, withPayload: false));
        Assert.Equal(3, await Call("OrleansChat_ClearStorage", 2, withPayload: false));
        Assert.Null(await Call("OrleansChat_WriteToStorage", 2));             // cleared rows keep counting
        Assert.Equal(4, await Call("OrleansChat_WriteToStorage", 3));
    }
}
