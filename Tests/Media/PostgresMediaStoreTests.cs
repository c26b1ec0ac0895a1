using Npgsql;
using OrleansChat.Gateway.Media.Storage;
using OrleansChat.Tests.Infrastructure;
using OrleansChat.Tests.MessageLog;

namespace OrleansChat.Tests.Media;

/// <summary>The conformance suite against a real PostgreSQL, in the database the migration (<c>Silo migrate</c>) prepares.</summary>
[Collection(PostgresFixtureDefinition.Name)]
public sealed class PostgresMediaStoreTests(PostgresServer postgres) : MediaStoreConformanceTests, IAsyncLifetime
{
    private NpgsqlDataSource? _dataSource;

    protected override Task<IMediaStore> CreateStoreAsync() => Task.FromResult<IMediaStore>(new PostgresMediaStore(_dataSource!));

    [Fact]
    public async Task An_upload_that_fails_midway_leaves_no_rows()
    {
        var store = new PostgresMediaStore(_dataSource!);
        var media = new StoredMedia(MediaIds.For("alice", "broken"), "alice", MediaKind.Audio, "audio/mp4", 10, "broken", DateTimeOffset.UtcNow);

        await Assert.ThrowsAsync<IOException>(() => store.SaveAsync(media, new FailingStream(PostgresMediaStore.ChunkSize + 10), null));

        Assert.Null(await store.FindAsync(media.MediaId));
        await using var count = _dataSource!.CreateCommand("SELECT count(*) FROM chat_media_chunks WHERE media_id = $1");
        count.Parameters.Add(new NpgsqlParameter { Value = media.MediaId });
        Assert.Equal(0L, await count.ExecuteScalarAsync());
    }

    [Fact]
    public async Task A_sealed_item_keeps_its_key_id_and_reads_back_through_chunk_rows()
    {
        var key = new global::OrleansChat.Grains.MessageLog.Encryption.MessageLogKeySettings { Id = "k1", Base64Key = Convert.ToBase64String(new byte[32]) };
        var store = new EncryptingMediaStore(new PostgresMediaStore(_dataSource!), new MediaCipher([key]));
        var content = System.Security.Cryptography.RandomNumberGenerator.GetBytes(PostgresMediaStore.ChunkSize + 70_000);
        var media = new StoredMedia(MediaIds.For("alice", "sealed"), "alice", MediaKind.Audio, "audio/mp4", content.Length, "sealed", DateTimeOffset.UtcNow, DurationMs: 5);

        await store.SaveAsync(media, new MemoryStream(content), null);

        Assert.Equal("k1", (await new PostgresMediaStore(_dataSource!).FindAsync(media.MediaId))!.KeyId);
        await using var stream = (await store.OpenReadAsync(media.MediaId, MediaVariant.Original))!;
        stream.Seek(PostgresMediaStore.ChunkSize - 5, SeekOrigin.Begin);
        var buffer = new byte[MediaCipher.ChunkSize + 10];
        await stream.ReadExactlyAsync(buffer);
        Assert.Equal(content.AsSpan(PostgresMediaStore.ChunkSize - 5, buffer.Length).ToArray(), buffer);
    }

    public async Task InitializeAsync() => _dataSource = NpgsqlDataSource.Create(await MessageLogDatabase.GetAsync(postgres));

    public async Task DisposeAsync()
    {
        if (_dataSource is not null)
        {
            await _dataSource.DisposeAsync();
        }
    }

    /// <summary>Yields <paramref name="goodBytes"/> bytes, then fails like a dropped upload.</summary>
    private sealed class FailingStream(int goodBytes) : MemoryStream(new byte[goodBytes])
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            Position >= Length ? throw new IOException("the client went away") : base.ReadAsync(buffer, cancellationToken);
    }
}
