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
    public const string Section = "Storage";

    public GrainStorageProvider Provider { get; set; } = GrainStorageProvider.Memory;

    public PostgresStorageOptions Postgres { get; set; } = new();
}

public sealed class PostgresStorageOptions
{
    /// <summary>An Npgsql connection string, e.g. <c>Host=db;Database=orleanschat;Username=orleans;Password=...</c>.</summary>
    public string ConnectionString { get; set; } = "";
}
