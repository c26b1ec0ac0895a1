using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace OrleansChat.Silo.Storage;

/// <summary>What one run of <see cref="PostgresSchemaMigrator.MigrateAsync"/> did.</summary>
/// <param name="ScriptSha256">Hex SHA-256 of the script that was applied.</param>
/// <param name="QueryKeys">The OrleansQuery keys present after the run.</param>
/// <param name="Elapsed">Time spent, including waiting for the advisory lock.</param>
public sealed record PostgresMigrationResult(string ScriptSha256, IReadOnlyList<string> QueryKeys, TimeSpan Elapsed);

/// <summary>
/// Applies <c>Storage/postgres-grain-storage.sql</c> (the tables, functions and OrleansQuery rows that
/// Orleans' ADO.NET grain storage needs, and the message log's <c>chat_messages</c>) to a PostgreSQL database. The script is idempotent; it runs in one
/// transaction under a transaction-scoped advisory lock, so several silos or Jobs migrating at the same
/// time serialise, and a failed run leaves the database unchanged.
/// </summary>
public sealed partial class PostgresSchemaMigrator(ILogger<PostgresSchemaMigrator> logger)
{
    /// <summary>Manifest name of the embedded script.</summary>
    public const string ScriptResourceName = "OrleansChat.Silo.Storage.postgres-grain-storage.sql";

    /// <summary>Advisory lock id shared by every migrator run (an arbitrary constant: "OrlnChat" in ASCII).</summary>
    public const long AdvisoryLockId = 0x4F726C6E43686174;

    /// <summary>The OrleansQuery keys that AdoNetGrainStorage loads at start-up.</summary>
    public static IReadOnlyList<string> RequiredQueryKeys { get; } = ["ClearStorageKey", "ReadFromStorageKey", "WriteToStorageKey"];

    /// <summary>Reads the embedded SQL script.</summary>
    public static string LoadScript()
    {
        var assembly = typeof(PostgresSchemaMigrator).Assembly;
        using var stream = assembly.GetManifestResourceStream(ScriptResourceName)
            ?? throw new InvalidOperationException($"Embedded resource '{ScriptResourceName}' is missing from {assembly.GetName().Name}.");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }

    /// <summary>Applies the script to the database named by <paramref name="connectionString"/>.</summary>
    public async Task<PostgresMigrationResult> MigrateAsync(string connectionString, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);

        var script = LoadScript();
        var sha256 = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(script)));
        var csb = new NpgsqlConnectionStringBuilder(connectionString);
        var stopwatch = Stopwatch.StartNew();
        LogStarting(csb.Host, csb.Port, csb.Database, sha256);

        await using var connection = new NpgsqlConnection(WithOneConnection(connectionString));
        await connection.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);

        await using (var lockCommand = new NpgsqlCommand("SELECT pg_advisory_xact_lock(@id)", connection, transaction))
        {
            lockCommand.Parameters.AddWithValue("id", AdvisoryLockId);
            await lockCommand.ExecuteNonQueryAsync(cancellationToken);
        }

        LogLockAcquired(stopwatch.ElapsedMilliseconds);

        await using (var scriptCommand = new NpgsqlCommand(script, connection, transaction))
        {
            await scriptCommand.ExecuteNonQueryAsync(cancellationToken);
        }

        await using (var historyCommand = new NpgsqlCommand(
            "INSERT INTO OrleansChatSchemaHistory (ScriptName, ScriptSha256) VALUES (@name, @sha)", connection, transaction))
        {
            historyCommand.Parameters.AddWithValue("name", "postgres-grain-storage.sql");
            historyCommand.Parameters.AddWithValue("sha", sha256);
            await historyCommand.ExecuteNonQueryAsync(cancellationToken);
        }

        var keys = new List<string>();
        await using (var keysCommand = new NpgsqlCommand("SELECT QueryKey FROM OrleansQuery ORDER BY QueryKey", connection, transaction))
        await using (var reader = await keysCommand.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                keys.Add(reader.GetString(0));
            }
        }

        var missing = RequiredQueryKeys.Except(keys, StringComparer.Ordinal).ToList();
        if (missing.Count > 0)
        {
            throw new InvalidOperationException(
                "After applying the script, OrleansQuery lacks the keys " + string.Join(", ", missing) + "; rolled back.");
        }

        await transaction.CommitAsync(cancellationToken);
        stopwatch.Stop();
        LogApplied(stopwatch.ElapsedMilliseconds, keys);
        return new PostgresMigrationResult(sha256, keys, stopwatch.Elapsed);
    }

    /// <summary>
    /// The migration needs one connection, and runs beside the silos (a Job on every deploy): whatever pool size the
    /// shared connection string states, it opens exactly one, unpooled, so the connection is closed when the run ends
    /// and never lingers idle in a pool. It costs one of the server's <c>max_connections</c> while it runs.
    /// </summary>
    public static string WithOneConnection(string connectionString) =>
        new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false, MinPoolSize = 0 }.ConnectionString;

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Migrating grain storage schema on {Host}:{Port}/{Database} (script sha256 {Sha256})")]
    private partial void LogStarting(string? host, int port, string? database, string sha256);

    [LoggerMessage(Level = LogLevel.Information, Message = "Acquired the schema migration lock after {ElapsedMs} ms")]
    private partial void LogLockAcquired(long elapsedMs);

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Grain storage schema applied and committed in {ElapsedMs} ms; OrleansQuery keys: {QueryKeys}")]
    private partial void LogApplied(long elapsedMs, IReadOnlyList<string> queryKeys);
}
