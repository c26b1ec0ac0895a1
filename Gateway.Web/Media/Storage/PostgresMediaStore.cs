using Npgsql;
using NpgsqlTypes;

namespace OrleansChat.Gateway.Media.Storage;

/// <summary>
/// Media in the chat database (tables <c>chat_media</c>, <c>chat_media_chunks</c>, <c>chat_media_shares</c> and
/// <c>chat_media_messages</c>, created by
/// <c>Silo migrate</c>), through the silo's shared pool (<see cref="Grains.Hosting.PostgresChatDatabase"/>), so that a
/// PostgreSQL-only deployment needs nothing else. Bytes are kept in 256 KiB <c>bytea</c> rows rather than large objects:
/// rows are copied by ordinary backups and logical replication, deleted with their item, and a Range read fetches only
/// the rows it covers. An item's rows are written in one transaction, so a failed upload leaves nothing.
/// </summary>
public sealed class PostgresMediaStore(NpgsqlDataSource dataSource) : IMediaStore
{
    public const int ChunkSize = 256 * 1024;

    private const string Columns = "media_id, owner_id, kind, mime, bytes, content_hash, created_at, width, height, duration_ms, thumb_mime, thumb_bytes, key_id";

    public async Task<StoredMedia?> FindAsync(string mediaId, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand($"SELECT {Columns} FROM chat_media WHERE media_id = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = mediaId, NpgsqlDbType = NpgsqlDbType.Text });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? ReadMedia(reader) : null;
    }

    public async Task<bool> SaveAsync(StoredMedia media, Stream content, Stream? thumbnail, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(media);
        ArgumentNullException.ThrowIfNull(content);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        if (!await InsertMediaAsync(connection, media, cancellationToken))
        {
            return false; // the rollback on dispose leaves the first copy alone
        }

        await InsertChunksAsync(connection, media.MediaId, MediaVariant.Original, content, cancellationToken);
        if (thumbnail is not null)
        {
            await InsertChunksAsync(connection, media.MediaId, MediaVariant.Thumbnail, thumbnail, cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    public async Task<Stream?> OpenReadAsync(string mediaId, MediaVariant variant, CancellationToken cancellationToken = default)
    {
        var media = await FindAsync(mediaId, cancellationToken);
        if (media?.Variant(variant) is not { } stored)
        {
            return null;
        }

        return new ChunkedReadStream(stored.Bytes, ChunkSize, (index, token) => ReadChunkAsync(mediaId, variant, index, token));
    }

    /// <summary>The message reference, the share and the end of any release in one transaction.</summary>
    public async Task RecordShareAsync(string mediaId, string conversation, long seq, CancellationToken cancellationToken = default)
    {
        await using var batch = dataSource.CreateBatch();
        batch.BatchCommands.Add(Command("INSERT INTO chat_media_messages (media_id, conv, seq) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING", mediaId, conversation, seq));
        batch.BatchCommands.Add(Command("INSERT INTO chat_media_shares (media_id, conv) VALUES ($1, $2) ON CONFLICT DO NOTHING", mediaId, conversation));
        batch.BatchCommands.Add(Command("UPDATE chat_media SET released_at = NULL WHERE media_id = $1 AND released_at IS NOT NULL", mediaId));
        await batch.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// One statement, so one snapshot: the reference goes and, only when it was there, the conversation's share and the
    /// release follow from the references left (the CTE's delete is not visible to its siblings, hence the exclusions).
    /// </summary>
    public async Task ReleaseAsync(string mediaId, string conversation, long seq, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(
            "WITH gone AS (DELETE FROM chat_media_messages WHERE media_id = $1 AND conv = $2 AND seq = $3 RETURNING 1), "
            + "unshared AS (DELETE FROM chat_media_shares s WHERE s.media_id = $1 AND s.conv = $2 AND EXISTS (SELECT 1 FROM gone) "
            + "  AND NOT EXISTS (SELECT 1 FROM chat_media_messages m WHERE m.media_id = $1 AND m.conv = $2 AND m.seq <> $3) RETURNING 1) "
            + "UPDATE chat_media SET released_at = $4 WHERE media_id = $1 AND released_at IS NULL AND EXISTS (SELECT 1 FROM gone) "
            + "  AND NOT EXISTS (SELECT 1 FROM chat_media_messages m WHERE m.media_id = $1 AND NOT (m.conv = $2 AND m.seq = $3))");
        AddParameters(command.Parameters, mediaId, conversation, seq, at);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<string>> FindReleasedAsync(DateTimeOffset releasedBefore, int limit, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT media_id FROM chat_media m WHERE released_at < $1 "
            + "AND NOT EXISTS (SELECT 1 FROM chat_media_shares s WHERE s.media_id = m.media_id) LIMIT $2");
        AddParameters(command.Parameters, releasedBefore, limit);
        return await ReadIdsAsync(command, cancellationToken);
    }

    public async Task<IReadOnlyList<string>> GetSharesAsync(string mediaId, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("SELECT conv FROM chat_media_shares WHERE media_id = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = mediaId, NpgsqlDbType = NpgsqlDbType.Text });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var shares = new List<string>();
        while (await reader.ReadAsync(cancellationToken))
        {
            shares.Add(reader.GetString(0));
        }

        return shares;
    }

    public async Task<IReadOnlyList<string>> FindOrphansAsync(DateTimeOffset createdBefore, int limit, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT media_id FROM chat_media m WHERE created_at < $1 AND released_at IS NULL "
            + "AND NOT EXISTS (SELECT 1 FROM chat_media_shares s WHERE s.media_id = m.media_id) LIMIT $2");
        AddParameters(command.Parameters, createdBefore, limit);
        return await ReadIdsAsync(command, cancellationToken);
    }

    /// <summary>One statement: the chunks and shares go with the item (ON DELETE CASCADE).</summary>
    public async Task DeleteAsync(string mediaId, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("DELETE FROM chat_media WHERE media_id = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = mediaId, NpgsqlDbType = NpgsqlDbType.Text });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task<bool> InsertMediaAsync(NpgsqlConnection connection, StoredMedia media, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            $"INSERT INTO chat_media ({Columns}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) ON CONFLICT (media_id) DO NOTHING",
            connection);
        object?[] values =
        [
            media.MediaId, media.OwnerId, media.Kind == MediaKind.Image ? "image" : "audio", media.Mime, media.Bytes, media.ContentHash,
            media.CreatedAt, media.Width, media.Height, media.DurationMs, media.ThumbnailMime, media.ThumbnailBytes, media.KeyId,
        ];
        foreach (var value in values)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value ?? DBNull.Value });
        }

        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    /// <summary>One row per chunk, read from the stream a chunk at a time: never more than one chunk in memory.</summary>
    private static async Task InsertChunksAsync(NpgsqlConnection connection, string mediaId, MediaVariant variant, Stream content, CancellationToken cancellationToken)
    {
        var buffer = new byte[ChunkSize];
        for (var index = 0; ; index++)
        {
            var filled = await content.ReadAtLeastAsync(buffer, ChunkSize, throwOnEndOfStream: false, cancellationToken);
            if (filled == 0 && index > 0)
            {
                return;
            }

            await using var command = new NpgsqlCommand(
                "INSERT INTO chat_media_chunks (media_id, variant, n, data) VALUES ($1, $2, $3, $4)", connection);
            command.Parameters.Add(new NpgsqlParameter { Value = mediaId, NpgsqlDbType = NpgsqlDbType.Text });
            command.Parameters.Add(new NpgsqlParameter { Value = (short)variant, NpgsqlDbType = NpgsqlDbType.Smallint });
            command.Parameters.Add(new NpgsqlParameter { Value = index, NpgsqlDbType = NpgsqlDbType.Integer });
            command.Parameters.Add(new NpgsqlParameter<ReadOnlyMemory<byte>> { TypedValue = buffer.AsMemory(0, filled), NpgsqlDbType = NpgsqlDbType.Bytea });
            await command.ExecuteNonQueryAsync(cancellationToken);
            if (filled < ChunkSize)
            {
                return;
            }
        }
    }

    private async Task<byte[]> ReadChunkAsync(string mediaId, MediaVariant variant, int index, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT data FROM chat_media_chunks WHERE media_id = $1 AND variant = $2 AND n = $3");
        command.Parameters.Add(new NpgsqlParameter { Value = mediaId, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = (short)variant, NpgsqlDbType = NpgsqlDbType.Smallint });
        command.Parameters.Add(new NpgsqlParameter { Value = index, NpgsqlDbType = NpgsqlDbType.Integer });
        return await command.ExecuteScalarAsync(cancellationToken) as byte[] ?? throw new IOException($"media {mediaId} lacks chunk {index}");
    }

    private static NpgsqlBatchCommand Command(string sql, params object[] values)
    {
        var command = new NpgsqlBatchCommand(sql);
        AddParameters(command.Parameters, values);
        return command;
    }

    /// <summary>Positional parameters typed by value: text, bigint, integer or timestamptz.</summary>
    private static void AddParameters(NpgsqlParameterCollection parameters, params object[] values)
    {
        foreach (var value in values)
        {
            parameters.Add(value switch
            {
                string text => new NpgsqlParameter { Value = text, NpgsqlDbType = NpgsqlDbType.Text },
                long number => new NpgsqlParameter { Value = number, NpgsqlDbType = NpgsqlDbType.Bigint },
                int number => new NpgsqlParameter { Value = number, NpgsqlDbType = NpgsqlDbType.Integer },
                DateTimeOffset time => new NpgsqlParameter { Value = time, NpgsqlDbType = NpgsqlDbType.TimestampTz },
                _ => throw new ArgumentException($"no parameter mapping for {value.GetType().Name}", nameof(values)),
            });
        }
    }

    private static async Task<IReadOnlyList<string>> ReadIdsAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var ids = new List<string>();
        while (await reader.ReadAsync(cancellationToken))
        {
            ids.Add(reader.GetString(0));
        }

        return ids;
    }

    private static StoredMedia ReadMedia(NpgsqlDataReader reader) => new(
        MediaId: reader.GetString(0),
        OwnerId: reader.GetString(1),
        Kind: reader.GetString(2) == "image" ? MediaKind.Image : MediaKind.Audio,
        Mime: reader.GetString(3),
        Bytes: reader.GetInt64(4),
        ContentHash: reader.GetString(5),
        CreatedAt: reader.GetFieldValue<DateTimeOffset>(6),
        Width: reader.IsDBNull(7) ? null : reader.GetInt32(7),
        Height: reader.IsDBNull(8) ? null : reader.GetInt32(8),
        DurationMs: reader.IsDBNull(9) ? null : reader.GetInt32(9),
        ThumbnailMime: reader.IsDBNull(10) ? null : reader.GetString(10),
        ThumbnailBytes: reader.IsDBNull(11) ? null : reader.GetInt64(11),
        KeyId: reader.IsDBNull(12) ? null : reader.GetString(12));
}
