namespace OrleansChat.Grains.MessageLog;

/// <summary>
/// Settings of <see cref="PostgresMessageLog"/>, bound from the configuration section <see cref="SectionName"/>.
/// The table is created by <c>Silo migrate</c> (Silo/Storage/postgres-grain-storage.sql), not by the log.
/// </summary>
public sealed class PostgresMessageLogOptions
{
    public const string SectionName = "MessageLog:Postgres";

    /// <summary>
    /// An Npgsql connection string, e.g. <c>Host=db;Database=orleanschat;Username=orleans;Password=...</c>. Required.
    /// Timeouts and pool sizes are set here too (<c>Timeout</c>, <c>Command Timeout</c>, <c>Maximum Pool Size</c>).
    /// </summary>
    public string ConnectionString { get; set; } = "";

    /// <summary>Throws when a setting cannot work; hosting validates on start so a bad config fails fast.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(ConnectionString))
        {
            throw new ArgumentException("MessageLog:Postgres:ConnectionString is required.", nameof(ConnectionString));
        }
    }
}
