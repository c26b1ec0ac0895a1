using Microsoft.Extensions.Options;
using Npgsql;
using OrleansChat.Grains.Hosting;
using OrleansChat.Grains.MessageLog.Postgres;

namespace OrleansChat.Tests.Storage;

/// <summary>The chat database's one pool: capped, preparing its statements, not resetting returned connections and planning no sequential scans unless the connection string says otherwise.</summary>
public sealed class PostgresChatDatabaseTests
{
    private const string Plain = "Host=db;Database=orleanschat;Username=orleans";

    private static NpgsqlConnectionStringBuilder SettingsOf(string connectionString)
    {
        using var database = new PostgresChatDatabase(Options.Create(new PostgresMessageLogOptions { ConnectionString = connectionString }));
        return new NpgsqlConnectionStringBuilder(database.DataSource.ConnectionString);
    }

    [Fact]
    public void Statements_are_prepared_automatically_by_default()
    {
        Assert.Equal(0, new NpgsqlConnectionStringBuilder(Plain).MaxAutoPrepare);
        Assert.Equal(32, SettingsOf(Plain).MaxAutoPrepare);
        Assert.Equal(PostgresMessageLogOptions.DefaultMaxPoolSize, SettingsOf(Plain).MaxPoolSize);
    }

    [Theory]
    [InlineData("Max Auto Prepare=0", 0)]
    [InlineData("Max Auto Prepare=5", 5)]
    public void A_connection_string_that_sets_auto_preparation_keeps_it(string stated, int expected) =>
        Assert.Equal(expected, SettingsOf($"{Plain};{stated}").MaxAutoPrepare);

    [Fact]
    public void Returned_connections_are_not_reset_by_default()
    {
        Assert.False(new NpgsqlConnectionStringBuilder(Plain).NoResetOnClose);
        Assert.True(SettingsOf(Plain).NoResetOnClose);
    }

    [Fact]
    public void A_connection_string_that_asks_for_the_reset_keeps_it() =>
        Assert.False(SettingsOf($"{Plain};No Reset On Close=false").NoResetOnClose);

    [Theory]
    [InlineData("", "-c enable_seqscan=off")]
    [InlineData(";Options=-c search_path=chat", "-c search_path=chat -c enable_seqscan=off")]
    [InlineData(";Options=-c enable_seqscan=on", "-c enable_seqscan=on")]
    public void Sessions_run_without_sequential_scans_unless_the_connection_string_says_otherwise(string stated, string expected) =>
        Assert.Equal(expected, SettingsOf(Plain + stated).Options);
}
