using Npgsql;
using OrleansChat.Grains.MessageLog;
using OrleansChat.Grains.MessageLog.Postgres;
using OrleansChat.Model;
using OrleansChat.Tests.Infrastructure;

namespace OrleansChat.Tests.MessageLog;

/// <summary>
/// The conformance suite against a real PostgreSQL (the run's <see cref="PostgresServer"/>), in a database of its
/// own (<see cref="MessageLogDatabase"/>) created by the same migration as <c>Silo migrate</c>. Each test has its own pool, closed after it.
/// </summary>
[Collection(PostgresFixtureDefinition.Name)]
public sealed class PostgresMessageLogTests(PostgresServer postgres) : MessageLogConformanceTests, IAsyncLifetime
{
    private readonly MessageLogPool _pool = new(postgres);

    protected override async Task<IMessageLog> CreateLogAsync() => new PostgresMessageLog(await DataSourceAsync());

    [Fact]
    public async Task Erase_leaves_nothing_of_the_content_in_the_row()
    {
        var dataSource = await DataSourceAsync();
        var log = new PostgresMessageLog(dataSource);
        var conv = NewConv();
        await log.AppendAsync(Message(conv, 1, "c-1", Alice, new TextBody("sent by mistake")));

        Assert.True(await log.EraseAsync(conv, 1));

        await using var command = dataSource.CreateCommand(
            "SELECT body_kind, body_text IS NULL AND body_url IS NULL AND body_key_id IS NULL AND body_ciphertext IS NULL FROM chat_messages WHERE conv = @conv AND seq = 1");
        command.Parameters.AddWithValue("conv", conv);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Equal(("recalled", true), (reader.GetString(0), reader.GetBoolean(1)));
    }

    [Fact]
    public async Task History_sync_and_LastSeq_are_served_by_the_primary_key_without_a_sort()
    {
        var dataSource = await DataSourceAsync();
        const string conv = "room:bulk3"; // seqs 1..1000, one of 20 conversations
        await using (var fill = dataSource.CreateCommand(
            "INSERT INTO chat_messages (conv, seq, ts, from_id, from_name, body_kind, body_text) "
            + "SELECT 'room:bulk' || (n % 20), n / 20 + 1, n, 'alice', 'Alice', 'text', 'x' FROM generate_series(1, 20000) AS n; "
            + "ANALYZE chat_messages;"))
        {
            await fill.ExecuteNonQueryAsync();
        }

        foreach (var (sql, parameters) in new (string, (string, object)[])[]
                 {
                     (PostgresMessageRows.Before, [("conv", conv), ("before", 900L), ("limit", 51L)]),
                     (PostgresMessageRows.After, [("conv", conv), ("after", 10L), ("limit", 101L)]),
                     (PostgresMessageRows.LastSeq, [("conv", conv)]),
                 })
        {
            var plan = await dataSource.ExplainAsync(sql, parameters);
            Assert.Contains(PostgresMessageRows.PrimaryKeyName, plan, StringComparison.Ordinal);
            Assert.DoesNotContain("Seq Scan", plan, StringComparison.Ordinal);
            Assert.False(plan.Contains("Sort", StringComparison.Ordinal), plan);
        }
    }

    [Fact]
    public async Task A_text_with_NUL_is_refused_as_a_bad_request_and_nothing_is_stored()
    {
        var log = await CreateLogAsync();
        var conv = NewConv();

        var refused = await Assert.ThrowsAsync<ChatException>(() => log.AppendAsync(Message(conv, 1, "c-1", body: new TextBody("a\0b"))));

        Assert.Equal(ChatErrorCode.BadRequest, refused.Code);
        Assert.Equal(0, await log.GetLastSeqAsync(conv));
        Assert.False((await log.AppendAsync(Message(conv, 1, "c-1"))).Duplicate);
    }

    [Fact]
    public async Task The_table_refuses_a_body_that_does_not_fit_its_kind()
    {
        var dataSource = await DataSourceAsync();
        await using var insert = dataSource.CreateCommand(
            "INSERT INTO chat_messages (conv, seq, ts, from_id, from_name, body_kind, body_text, body_url) "
            + "VALUES (@conv, 1, 0, 'alice', 'Alice', 'text', 'hi', 'https://cdn.example/x.png')");
        insert.Parameters.AddWithValue("conv", NewConv());

        var error = await Assert.ThrowsAsync<PostgresException>(() => insert.ExecuteNonQueryAsync());

        Assert.Equal(PostgresErrorCodes.CheckViolation, error.SqlState);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _pool.CloseAsync();

    private Task<NpgsqlDataSource> DataSourceAsync() => _pool.GetAsync();
}
