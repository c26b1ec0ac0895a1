using Npgsql;
using NpgsqlTypes;

namespace OrleansChat.Gateway.Media.Storage;

/// <summary>
/// Media in the chat database (tables <c>chat_media</c>, <c>chat_media_chunks</c> and <c>chat_media_shares</c>, created by
/// <c>Silo migrate</c>), through the silo's shared pool (<see cref="Grains.Hosting.PostgresChatDatabase"/>), so that a
/// PostgreSQL-only deployment needs nothing else. Bytes are kept in 256 KiB <c>bytea</c> rows rather than large objects:
/// rows are copied by ordinary backups and logical replication, deleted with their item, and a Range read fetches only
/// the rows it covers. An item's rows are written in one transaction, so a failed upload leaves nothing.
/// </summary>
public sealed class PostgresMediaStore(NpgsqlDataSource dataSource) : IMediaStore
{
    public const int ChunkSize = 256 * 1024;

    private const string Columns = "media_id, owner_id, kind, mime, bytes, content_hash, created_at, width, height, duration_ms, thumb_mime, thumb_bytes";

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

    public async Task RecordShareAsync(string mediaId, string conversation, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(
            "INSERT INTO chat_media_shares (media_id, conv) VALUES ($1, $2) ON CONFLICT DO NOTHING");
        command.Parameters.Add(new NpgsqlParameter { Value = mediaId, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = conversation, NpgsqlDbType = NpgsqlDbType.Text });
        await command.ExecuteNonQueryAsync(cancellationToken);
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
            "SELECT media_id FROM chat_media m WHERE created_at < $1 "
            + "AND NOT EXISTS (SELECT 1 FROM chat_media_shares s WHERE s.media_id = m.media_id) LIMIT $2");
        command.Parameters.Add(new NpgsqlParameter { Value = createdBefore, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new NpgsqlParameter { Value = limit, NpgsqlDbType = NpgsqlDbType.Integer });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var orphans = new List<string>();
        while (await reader.ReadAsync(cancellationToken))
        {
            orphans.Add(reader.GetString(0));
        }

        return orphans;
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
            $"INSERT INTO chat_media ({Columns}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT (media_id) DO NOTHING",
            connection);
        object?[] values =
        [
            media.MediaId, media.OwnerId, media.Kind == MediaKind.Image ? "image" : "audio", media.Mime, media.Bytes, media.ContentHash,
            media.CreatedAt, media.Width, media.Height, media.DurationMs, media.ThumbnailMime, media.ThumbnailBytes,
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
        ThumbnailBytes: reader.IsDBNull(11) ? null : reader.GetInt64(11));
}
