using Microsoft.Extensions.Options;
using Npgsql;
using OrleansChat.Grains.MessageLog.Postgres;

namespace OrleansChat.Grains.Hosting;

/// <summary>
/// The chat database (section <c>MessageLog:Postgres</c>: the message log's <c>chat_messages</c> and every other table
/// of chat data kept beside it) and this silo's ONE connection pool to it. Registered once per silo when
/// <c>MessageLog:Provider</c> is Postgres; anything that reads or writes that database takes
/// <see cref="DataSource"/> from here instead of opening a pool of its own, so the silo's share of the server's
/// <c>max_connections</c> stays <see cref="MaxPoolSize"/> (docs/deploy.md, "Connection budget").
/// </summary>
public sealed class PostgresChatDatabase : IAsyncDisposable, IDisposable
{
    public PostgresChatDatabase(IOptions<PostgresMessageLogOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var connectionString = WithoutSequentialScans(KeepingSessions(PreparingStatements(options.Value.PooledConnectionString())));
        MaxPoolSize = PostgresPoolSize.Of(connectionString);
        DataSource = NpgsqlDataSource.Create(connectionString);
    }

    /// <summary>The pool: commands beyond <see cref="MaxPoolSize"/> in flight wait for a connection to come back.</summary>
    public NpgsqlDataSource DataSource { get; }

    public int MaxPoolSize { get; }

    /// <summary>
    /// Npgsql's automatic preparation, on unless the connection string sets <c>Max Auto Prepare</c> itself (0 turns it
    /// off, e.g. behind a pooler that cannot keep prepared statements). A batch insert is one complex statement
    /// (unnest and two CTEs); unprepared, PostgreSQL planned it on every commit, and at the small batches of a
    /// moderate load that planning was most of the database's CPU: 1,000 DM pairs took 186 µs of database CPU per
    /// delivery (bench dm, cluster shape, 1,749 sends/s).
    /// </summary>
    private static string PreparingStatements(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        var stated = new NpgsqlConnectionStringBuilder(connectionString).Remove("Max Auto Prepare");
        if (!stated)
        {
            builder.MaxAutoPrepare = AutoPreparedStatements;
        }

        return builder.ConnectionString;
    }

    /// <summary>
    /// Npgsql's No Reset On Close, on unless the connection string sets it itself. By default a connection returned
    /// to the pool is reset (RESET ALL, UNLISTEN, CLOSE ALL, DISCARD TEMP and SEQUENCES, advisory unlock, SET SESSION
    /// AUTHORIZATION: seven statements sent before its next command); nothing that uses this pool leaves session
    /// state behind, and at the small batches of many small conversations that reset ran once per batch of ~2.5
    /// messages (bench dm, cluster shape, pg_stat_statements: 3,119 batches, 3,119 of each reset statement).
    /// </summary>
    private static string KeepingSessions(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        var stated = new NpgsqlConnectionStringBuilder(connectionString).Remove("No Reset On Close");
        if (!stated)
        {
            builder.NoResetOnClose = true;
        }

        return builder.ConnectionString;
    }

    /// <summary>
    /// <c>enable_seqscan=off</c> in every session of the pool (added to the connection string's <c>Options</c> unless
    /// they set it themselves). Every statement on the chat database is a keyed lookup with an index built for it, and
    /// its statements stay prepared on long-lived connections (above): PostgreSQL keeps a prepared statement's generic
    /// plan until the next ANALYZE of its tables, so a plan made while a table was tiny (a scan is cheapest there) was
    /// kept as the table grew, and the message log's batch insert scanned 145,000 rows per batch (bench dm, cluster
    /// shape, a second run against the same silo: 42 ms per batch, the database at 100 % CPU at 250 sends/s). Off, a
    /// scan is still used where no index can serve; it is never chosen over one.
    /// </summary>
    private static string WithoutSequentialScans(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (builder.Options?.Contains("enable_seqscan", StringComparison.Ordinal) != true)
        {
            builder.Options = $"{builder.Options} -c enable_seqscan=off".Trim();
        }

        return builder.ConnectionString;
    }

    /// <summary>Statements kept prepared per connection: the log's and the member store's handful, with room to spare.</summary>
    private const int AutoPreparedStatements = 32;

    public ValueTask DisposeAsync() => DataSource.DisposeAsync();

    public void Dispose() => DataSource.Dispose();
}
