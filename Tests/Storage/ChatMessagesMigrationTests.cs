using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using OrleansChat.Grains.MessageLog.Encryption;
using OrleansChat.Grains.MessageLog.Postgres;
using OrleansChat.Model;
using OrleansChat.Silo.Storage;
using OrleansChat.Tests.Infrastructure;
using OrleansChat.Tests.MessageLog;

namespace OrleansChat.Tests.Storage;

/// <summary>The migration brings a <c>chat_messages</c> table made before the 'enc' body kind up to date, keeping its rows.</summary>
[Collection(PostgresFixtureDefinition.Name)]
public sealed class ChatMessagesMigrationTests(PostgresServer postgres)
{
    /// <summary>chat_messages as the schema script created it before the encrypted body kind existed.</summary>
    private const string TableBeforeEncryption = """
        CREATE TABLE chat_messages
        (
            conv text COLLATE "C" NOT NULL, seq bigint NOT NULL, ts bigint NOT NULL,
            from_id text COLLATE "C" NOT NULL, from_name text NOT NULL, from_avatar text NULL, client_id text COLLATE "C" NULL,
            body_kind text NOT NULL, body_text text NULL, body_url text NULL,
            body_width integer NULL, body_height integer NULL, body_duration_ms integer NULL,
            CONSTRAINT chat_messages_pkey PRIMARY KEY (conv, seq),
            CONSTRAINT chat_messages_body_shape CHECK (
                (body_kind = 'text' AND body_text IS NOT NULL AND body_url IS NULL
                    AND body_width IS NULL AND body_height IS NULL AND body_duration_ms IS NULL)
                OR (body_kind = 'image' AND body_url IS NOT NULL AND body_text IS NULL AND body_duration_ms IS NULL)
                OR (body_kind = 'audio' AND body_url IS NOT NULL AND body_duration_ms IS NOT NULL
                    AND body_text IS NULL AND body_width IS NULL AND body_height IS NULL))
        );
        INSERT INTO chat_messages (conv, seq, ts, from_id, from_name, body_kind, body_text, body_url, body_width, body_height)
        VALUES ('room:old', 1, 1000, 'alice', 'Alice', 'text', 'written before', NULL, NULL, NULL),
               ('room:old', 2, 1001, 'alice', 'Alice', 'image', NULL, 'https://cdn.example/a.png', 10, 20);
        """;

    private static readonly UserProfile Alice = new("alice", "Alice", null);

    [Fact]
    public async Task A_table_without_the_encrypted_kind_is_migrated_keeping_its_rows()
    {
        var connectionString = await postgres.CreateDatabaseAsync("chat_messages_upgrade");
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await using (var create = dataSource.CreateCommand(TableBeforeEncryption))
        {
            await create.ExecuteNonQueryAsync();
        }

        await MigrateAsync(connectionString);
        await MigrateAsync(connectionString);

        var log = new EncryptingMessageLog(new PostgresMessageLog(dataSource), new BodyCipher([EncryptingMessageLogTests.Key("k1")]));
        var added = new ChatMessage("room:old", 3, 1002, Alice, new TextBody("written after"), "c-3");
        Assert.False((await log.AppendAsync(added)).Duplicate);
        Assert.Equal(
            [new TextBody("written before"), new ImageBody("https://cdn.example/a.png", 10, 20), added.Body],
            (await log.ReadAfterAsync("room:old", 0, 10)).Messages.Select(m => m.Body));

        await using var textWithKey = dataSource.CreateCommand(
            "INSERT INTO chat_messages (conv, seq, ts, from_id, from_name, body_kind, body_text, body_key_id) "
            + "VALUES ('room:old', 4, 0, 'alice', 'Alice', 'text', 'hi', 'k1')");
        var error = await Assert.ThrowsAsync<PostgresException>(() => textWithKey.ExecuteNonQueryAsync());
        Assert.Equal(PostgresErrorCodes.CheckViolation, error.SqlState);
    }

    private static Task<PostgresMigrationResult> MigrateAsync(string connectionString) =>
        new PostgresSchemaMigrator(NullLogger<PostgresSchemaMigrator>.Instance).MigrateAsync(connectionString);
}
