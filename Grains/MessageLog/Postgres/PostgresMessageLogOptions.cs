using Microsoft.Extensions.Options;
using OrleansChat.Grains.Hosting;

namespace OrleansChat.Grains.MessageLog.Postgres;

/// <summary>
/// Settings of <see cref="PostgresMessageLog"/>, bound from the configuration section <see cref="SectionName"/>.
/// The table is created by <c>Silo migrate</c> (Silo/Storage/postgres-grain-storage.sql), not by the log.
/// </summary>
public sealed class PostgresMessageLogOptions
{
    public const string SectionName = "MessageLog:Postgres";

    /// <summary>
    /// An Npgsql connection string, e.g. <c>Host=db;Database=orleanschat;Username=orleans;Password=...</c>. Required.
    /// Timeouts are set here too (<c>Timeout</c>, which also bounds the wait for a pooled connection; <c>Command Timeout</c>).
    /// </summary>
    public string ConnectionString { get; set; } = "";

    /// <summary>
    /// Connections the chat database's pool (<see cref="PostgresChatDatabase"/>: the log and whatever else lives in this
    /// database) may hold in this silo (default <see cref="DefaultMaxPoolSize"/>); more concurrent commands wait for
    /// one. Unset, a <c>Maximum Pool Size</c> in the connection string counts; both, and different, is refused at start.
    /// </summary>
    public int? MaxPoolSize { get; set; }

    public const int DefaultMaxPoolSize = 8;

    /// <summary>The connection string with the pool capped (<see cref="PostgresPoolSize.Apply"/>); validates first.</summary>
    public string PooledConnectionString()
    {
        Validate();
        return PostgresPoolSize.Apply(ConnectionString, MaxPoolSize, DefaultMaxPoolSize, SectionName);
    }

    /// <summary>Throws when a setting cannot work; hosting validates on start so a bad config fails fast.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(ConnectionString))
        {
            throw new ArgumentException("MessageLog:Postgres:ConnectionString is required.", nameof(ConnectionString));
        }

        _ = PostgresPoolSize.Apply(ConnectionString, MaxPoolSize, DefaultMaxPoolSize, SectionName);
    }
}

/// <summary>Fails the host's start with <see cref="PostgresMessageLogOptions.Validate"/>'s own message.</summary>
public sealed class PostgresMessageLogOptionsValidator : IValidateOptions<PostgresMessageLogOptions>
{
    public ValidateOptionsResult Validate(string? name, PostgresMessageLogOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        try
        {
            options.Validate();
            return ValidateOptionsResult.Success;
        }
        catch (ArgumentException e)
        {
            return ValidateOptionsResult.Fail(e.Message);
        }
    }
}
