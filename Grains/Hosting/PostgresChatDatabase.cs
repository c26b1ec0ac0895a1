using Microsoft.Extensions.Options;
using Npgsql;
using OrleansChat.Grains.MessageLog;

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
        var connectionString = options.Value.PooledConnectionString();
        MaxPoolSize = PostgresPoolSize.Of(connectionString);
        DataSource = NpgsqlDataSource.Create(connectionString);
    }

    /// <summary>The pool: commands beyond <see cref="MaxPoolSize"/> in flight wait for a connection to come back.</summary>
    public NpgsqlDataSource DataSource { get; }

    public int MaxPoolSize { get; }

    public ValueTask DisposeAsync() => DataSource.DisposeAsync();

    public void Dispose() => DataSource.Dispose();
}
