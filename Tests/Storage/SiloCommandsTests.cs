using Npgsql;
using OrleansChat.Silo;
using OrleansChat.Tests.Infrastructure;

namespace OrleansChat.Tests.Storage;

[Collection(PostgresFixtureDefinition.Name)]
public sealed class SiloCommandsTests(PostgresServer postgres)
{
    [Fact]
    public async Task No_verb_means_run_the_silo()
    {
        Assert.Null(await SiloCommands.TryRunAsync([]));
        Assert.Null(await SiloCommands.TryRunAsync(["--urls", "http://*:5000"]));
    }

    [Fact]
    public async Task Migrate_verb_applies_the_schema_and_exits_zero()
    {
        var connectionString = await postgres.CreateDatabaseAsync("migrate_verb");

        Assert.Equal(0, await SiloCommands.TryRunAsync(["migrate", "--connection", connectionString]));
        Assert.Equal(0, await SiloCommands.TryRunAsync(["migrate", "--connection", connectionString]));

        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var count = new NpgsqlCommand("SELECT count(*) FROM OrleansQuery", connection);
        Assert.Equal(3L, (long)(await count.ExecuteScalarAsync())!);
    }

    [Fact]
    public async Task Migrate_verb_fails_with_exit_code_one_when_the_database_is_unreachable()
    {
        var unreachable = $"Host=127.0.0.1;Port={ExternalProcess.GetFreePort()};Username=orleans;Database=none;Timeout=2";
        Assert.Equal(1, await SiloCommands.TryRunAsync(["migrate", "--connection", unreachable, "--wait", "0"]));
        Assert.Equal(SiloCommands.UsageExitCode, await SiloCommands.TryRunAsync(["migrate", "--connection", unreachable, "--wait", "soon"]));
    }
}
