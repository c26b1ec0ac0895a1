using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Npgsql;
using OrleansChat.Grains.Hosting;
using OrleansChat.Grains.MessageLog.Postgres;
using OrleansChat.Silo.Storage;
using OrleansChat.Tests.Infrastructure;

namespace OrleansChat.Tests.Storage;

/// <summary>How a pool's size is chosen from the option and the connection string, and what is refused at start.</summary>
public sealed class PostgresPoolSizeTests
{
    private const string Plain = "Host=db;Database=orleanschat;Username=orleans";

    private static int SizeOf(string connectionString, int? option) =>
        PostgresPoolSize.Of(PostgresPoolSize.Apply(connectionString, option, defaultSize: 8, "Storage:Postgres"));

    [Fact]
    public void With_neither_the_default_caps_the_pool_instead_of_Npgsqls_hundred()
    {
        Assert.Equal(100, new NpgsqlConnectionStringBuilder(Plain).MaxPoolSize);
        Assert.Equal(8, SizeOf(Plain, option: null));
        Assert.Equal(PostgresStorageOptions.DefaultMaxPoolSize,
            PostgresPoolSize.Of(new PostgresStorageOptions { ConnectionString = Plain }.PooledConnectionString()));
        Assert.Equal(PostgresMessageLogOptions.DefaultMaxPoolSize,
            PostgresPoolSize.Of(new PostgresMessageLogOptions { ConnectionString = Plain }.PooledConnectionString()));
    }

    [Theory]
    [InlineData("Maximum Pool Size=40")]
    [InlineData("MaxPoolSize=40")]
    [InlineData("maximum pool size = 40")]
    public void A_connection_string_that_states_a_size_keeps_it_when_the_option_is_unset(string stated)
    {
        Assert.Equal(40, SizeOf($"{Plain};{stated}", option: null));
        Assert.Equal(40, SizeOf($"{Plain};{stated}", option: 40));
    }

    [Fact]
    public void The_option_sets_the_size_and_the_rest_of_the_string_is_kept()
    {
        var pooled = PostgresPoolSize.Apply($"{Plain};Timeout=30;Application Name=chat", 12, 8, "Storage:Postgres");
        var builder = new NpgsqlConnectionStringBuilder(pooled);
        Assert.Equal((12, 30, "chat", "db", "orleanschat"), (builder.MaxPoolSize, builder.Timeout, builder.ApplicationName, builder.Host, builder.Database));
    }

    [Fact]
    public void An_option_and_a_connection_string_that_disagree_are_refused()
    {
        var e = Assert.Throws<ArgumentException>(() => SizeOf($"{Plain};Maximum Pool Size=40", option: 10));
        Assert.Contains("Storage:Postgres:MaxPoolSize is 10", e.Message, StringComparison.Ordinal);
        Assert.Contains("Maximum Pool Size=40", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(Plain + ";Pooling=false", null, "Pooling=false")]
    [InlineData(Plain, 0, "at least 1")]
    [InlineData(Plain + ";Maximum Pool Size=0", null, "at least 1")]
    [InlineData(Plain + ";Minimum Pool Size=20", 10, "Minimum Pool Size (20)")]
    [InlineData(Plain + ";Max Pool Size=40", null, "not a valid Npgsql connection string")]
    public void Settings_that_cannot_give_a_bounded_pool_are_refused_with_the_reason(string connectionString, int? option, string reason)
    {
        var e = Assert.Throws<ArgumentException>(() => SizeOf(connectionString, option));
        Assert.Contains(reason, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_message_logs_validator_fails_the_start_with_the_same_reason()
    {
        var validator = new PostgresMessageLogOptionsValidator();
        Assert.True(validator.Validate(null, new PostgresMessageLogOptions { ConnectionString = Plain, MaxPoolSize = 4 }).Succeeded);
        var result = validator.Validate(null, new PostgresMessageLogOptions { ConnectionString = $"{Plain};Maximum Pool Size=40", MaxPoolSize = 4 });
        Assert.True(result.Failed);
        Assert.Contains("MessageLog:Postgres:MaxPoolSize is 4", result.FailureMessage, StringComparison.Ordinal);
        Assert.True(validator.Validate(null, new PostgresMessageLogOptions()).Failed);
    }

    [Fact]
    public async Task A_silo_with_ambiguous_pool_settings_fails_at_start_naming_the_setting()
    {
        var ambiguousLog = await Assert.ThrowsAsync<OptionsValidationException>(() => StartSiloAsync(new()
        {
            ["MessageLog:Provider"] = "Postgres",
            ["MessageLog:Postgres:ConnectionString"] = $"{Plain};Maximum Pool Size=40",
            ["MessageLog:Postgres:MaxPoolSize"] = "8",
        }));
        Assert.Contains("MessageLog:Postgres:MaxPoolSize is 8", ambiguousLog.Message, StringComparison.Ordinal);

        var unpooledStorage = await Assert.ThrowsAsync<ArgumentException>(() => StartSiloAsync(new()
        {
            ["Storage:Provider"] = "Postgres",
            ["Storage:Postgres:ConnectionString"] = $"{Plain};Pooling=false",
        }));
        Assert.Contains("Storage:Postgres:ConnectionString turns pooling off", unpooledStorage.Message, StringComparison.Ordinal);
    }

    /// <summary>Builds and starts a silo host as the Silo program does; the settings above must stop it before any connection.</summary>
    private static async Task StartSiloAsync(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var builder = Host.CreateApplicationBuilder();
        builder.UseOrleans(silo => silo.UseLocalhostClustering(siloPort: FreePort.Next(), gatewayPort: FreePort.Next()).AddChatGrains(configuration));
        using var host = builder.Build();
        await host.StartAsync();
        await host.StopAsync();
    }

    [Fact]
    public void Migrate_uses_one_connection_whatever_the_shared_string_says()
    {
        var builder = new NpgsqlConnectionStringBuilder(PostgresSchemaMigrator.WithOneConnection($"{Plain};Maximum Pool Size=40;Minimum Pool Size=5"));
        Assert.Equal((false, 0, "db"), (builder.Pooling, builder.MinPoolSize, builder.Host));
    }
}
