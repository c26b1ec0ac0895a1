using System.Text;
using Npgsql;
using OrleansChat.Grains.MessageLog;
using OrleansChat.Grains.MessageLog.Encryption;
using OrleansChat.Grains.MessageLog.Postgres;
using OrleansChat.Model;
using OrleansChat.Tests.Infrastructure;

namespace OrleansChat.Tests.MessageLog;

/// <summary>
/// The shared contract over <see cref="EncryptingMessageLog"/> wrapping <see cref="PostgresMessageLog"/> on the run's
/// real PostgreSQL (the 'enc' body kind of <c>chat_messages</c>), and what the table really holds.
/// </summary>
[Collection(PostgresFixtureDefinition.Name)]
public sealed class EncryptingPostgresMessageLogTests(PostgresServer postgres) : MessageLogConformanceTests, IAsyncLifetime
{
    private static readonly MessageLogKeySettings Key = EncryptingMessageLogTests.Key("pg-k1");
    private readonly MessageLogPool _pool = new(postgres);

    protected override async Task<IMessageLog> CreateLogAsync() =>
        new EncryptingMessageLog(new PostgresMessageLog(await DataSourceAsync()), new BodyCipher([Key]));

    [Fact]
    public async Task The_table_holds_only_ciphertext_for_a_text_body()
    {
        const string Secret = "the launch code is 0000";
        var log = await CreateLogAsync();
        var conv = NewConv();
        var message = Message(conv, 1, "c-1", body: new TextBody(Secret));

        await log.AppendAsync(message);

        await using var select = (await DataSourceAsync()).CreateCommand(
            "SELECT body_kind, body_text, body_url, body_key_id, body_ciphertext, row_to_json(m)::text FROM chat_messages AS m WHERE conv = @conv");
        select.Parameters.AddWithValue("conv", conv);
        await using var reader = await select.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Equal(PostgresMessageRows.KindEncrypted, reader.GetString(0));
        Assert.True(reader.IsDBNull(1) && reader.IsDBNull(2), "the plaintext columns must stay empty");
        Assert.Equal(Key.Id, reader.GetString(3));
        var ciphertext = reader.GetFieldValue<byte[]>(4);
        Assert.Equal(-1, ciphertext.AsSpan().IndexOf(Encoding.UTF8.GetBytes("launch")));
        Assert.DoesNotContain("launch", reader.GetString(5), StringComparison.Ordinal);
        Assert.False(await reader.ReadAsync());
        Assert.Equal([message], (await log.ReadAfterAsync(conv, 0, 10)).Messages);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _pool.CloseAsync();

    private Task<NpgsqlDataSource> DataSourceAsync() => _pool.GetAsync();
}
