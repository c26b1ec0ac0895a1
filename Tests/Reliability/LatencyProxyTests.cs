using System.Diagnostics;
using Npgsql;
using OrleansChat.Tests.Infrastructure;

namespace OrleansChat.Tests.Reliability;

/// <summary>The chaos suite's slow database: a real PostgreSQL behind <see cref="LatencyProxy"/>.</summary>
[Collection(PostgresFixtureDefinition.Name)]
public sealed class LatencyProxyTests(PostgresServer postgres)
{
    [Fact]
    public async Task Every_answer_through_the_proxy_is_late_by_the_latency_set_while_the_connection_is_open()
    {
        await using var proxy = new LatencyProxy(postgres.Port);
        var viaProxy = new NpgsqlConnectionStringBuilder(postgres.ConnectionString) { Port = proxy.Port, Pooling = false }.ConnectionString;
        await using var connection = new NpgsqlConnection(viaProxy);
        await connection.OpenAsync();
        Assert.Equal(1, await SelectOneAsync(connection));

        proxy.Latency = TimeSpan.FromMilliseconds(300);
        var slow = Stopwatch.StartNew();
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(1, await SelectOneAsync(connection));
        }

        Assert.True(slow.Elapsed >= TimeSpan.FromMilliseconds(900), $"3 round trips took {slow.Elapsed.TotalMilliseconds:0} ms, less than 3 x 300 ms");

        proxy.Latency = TimeSpan.Zero;
        Assert.Equal(1, await SelectOneAsync(connection)); // the same connection, fast again
    }

    [Fact]
    public async Task A_connection_through_the_proxy_is_refused_when_nothing_listens_behind_it()
    {
        await using var proxy = new LatencyProxy(FreePort.Next());
        var viaProxy = new NpgsqlConnectionStringBuilder(postgres.ConnectionString) { Port = proxy.Port, Pooling = false, Timeout = 5 }.ConnectionString;
        await using var connection = new NpgsqlConnection(viaProxy);

        await Assert.ThrowsAnyAsync<Exception>(() => connection.OpenAsync());
    }

    private static async Task<int> SelectOneAsync(NpgsqlConnection connection)
    {
        await using var command = new NpgsqlCommand("select 1", connection);
        return (int)(await command.ExecuteScalarAsync())!;
    }
}
