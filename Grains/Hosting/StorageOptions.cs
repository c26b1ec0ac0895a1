namespace OrleansChat.Grains.Hosting;

public enum GrainStorageProvider
{
    /// <summary>In process memory: the embedded default; state is lost with the silo.</summary>
    Memory,

    /// <summary>PostgreSQL through Orleans' ADO.NET provider (schema: <c>Silo migrate</c>).</summary>
    Postgres,
}

/// <summary>Where grain state lives (section "Storage").</summary>
public sealed class StorageOptions
{
    public const string SectionName = "Storage";

    /// <summary>Where grain state lives: Memory or Postgres.</summary>
    public GrainStorageProvider Provider { get; set; } = GrainStorageProvider.Memory;

    /// <summary>The PostgreSQL grain storage (section "Storage:Postgres"), for <see cref="GrainStorageProvider.Postgres"/>.</summary>
    public PostgresStorageOptions Postgres { get; set; } = new();
}

public sealed class PostgresStorageOptions
{
    /// <summary>An Npgsql connection string, e.g. <c>Host=db;Database=orleanschat;Username=orleans;Password=...</c>.</summary>
    public string ConnectionString { get; set; } = "";

    /// <summary>
    /// Connections the ADO.NET provider's Npgsql pool may hold in this silo process (default
    /// <see cref="DefaultMaxPoolSize"/>); more concurrent state reads and writes wait for one. Unset, a
    /// <c>Maximum Pool Size</c> in the connection string counts; both, and different, is refused at start.
    /// </summary>
    public int? MaxPoolSize { get; set; }

    public const int DefaultMaxPoolSize = 8;

    /// <summary>
    /// The connection string the provider gets, with the pool capped (<see cref="PostgresPoolSize.Apply"/>). Every
    /// silo of one process that is given the same string shares that one pool: Npgsql keys it by the string.
    /// </summary>
    /// <exception cref="ArgumentException">The settings cannot give a bounded pool.</exception>
    public string PooledConnectionString() =>
        PostgresPoolSize.Apply(ConnectionString, MaxPoolSize, DefaultMaxPoolSize, StorageOptions.SectionName + ":Postgres");
}
