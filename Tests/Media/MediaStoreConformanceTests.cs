using System.Security.Cryptography;
using OrleansChat.Gateway.Media.Storage;

namespace OrleansChat.Tests.Media;

/// <summary>
/// The contract every <see cref="IMediaStore"/> keeps, run against each backend (disk and PostgreSQL live here, MongoDB
/// GridFS behind ORLEANSCHAT_TEST_MONGO_URI). Tests use fresh ids, so one store may serve many tests.
/// </summary>
public abstract class MediaStoreConformanceTests
{
    /// <summary>Larger than one PostgreSQL chunk, so reads and seeks cross a chunk boundary.</summary>
    private const int LargeContent = PostgresMediaStore.ChunkSize * 2 + 1234;

    protected abstract Task<IMediaStore> CreateStoreAsync();

    [SkippableFact]
    public async Task Save_then_find_returns_the_same_description()
    {
        var store = await CreateStoreAsync();
        var (media, content, thumbnail) = NewImage(1000, 300);

        Assert.True(await store.SaveAsync(media, new MemoryStream(content), new MemoryStream(thumbnail)));

        Assert.Equal(media, await store.FindAsync(media.MediaId));
    }

    [SkippableFact]
    public async Task Saving_the_same_id_again_keeps_the_first_copy()
    {
        var store = await CreateStoreAsync();
        var (media, content, thumbnail) = NewImage(500, 100);
        Assert.True(await store.SaveAsync(media, new MemoryStream(content), new MemoryStream(thumbnail)));

        var second = media with { Mime = "image/png", Bytes = 3 };
        Assert.False(await store.SaveAsync(second, new MemoryStream([1, 2, 3]), null));

        Assert.Equal(media, await store.FindAsync(media.MediaId));
        Assert.Equal(content, await ReadAllAsync(store, media.MediaId, MediaVariant.Original));
    }

    [SkippableFact]
    public async Task Each_variant_reads_back_byte_for_byte()
    {
        var store = await CreateStoreAsync();
        var (media, content, thumbnail) = NewImage(LargeContent, 4321);
        await store.SaveAsync(media, new MemoryStream(content), new MemoryStream(thumbnail));

        Assert.Equal(content, await ReadAllAsync(store, media.MediaId, MediaVariant.Original));
        Assert.Equal(thumbnail, await ReadAllAsync(store, media.MediaId, MediaVariant.Thumbnail));
    }

    [SkippableFact]
    public async Task A_read_stream_seeks_across_chunks()
    {
        var store = await CreateStoreAsync();
        var (media, content, thumbnail) = NewImage(LargeContent, 10);
        await store.SaveAsync(media, new MemoryStream(content), new MemoryStream(thumbnail));

        await using var stream = (await store.OpenReadAsync(media.MediaId, MediaVariant.Original))!;
        Assert.True(stream.CanSeek);
        Assert.Equal(content.Length, stream.Length);
        var from = PostgresMediaStore.ChunkSize - 100;
        stream.Seek(from, SeekOrigin.Begin);
        var buffer = new byte[300];
        await stream.ReadExactlyAsync(buffer);
        Assert.Equal(content.AsSpan(from, 300).ToArray(), buffer);
    }

    [SkippableFact]
    public async Task Voice_has_no_thumbnail_and_unknown_ids_have_nothing()
    {
        var store = await CreateStoreAsync();
        var content = RandomNumberGenerator.GetBytes(2000);
        var voice = Describe(content, MediaKind.Audio, "audio/mp4") with { DurationMs = 1500 };
        await store.SaveAsync(voice, new MemoryStream(content), null);

        Assert.Null(await store.OpenReadAsync(voice.MediaId, MediaVariant.Thumbnail));
        var unknown = MediaIds.For("nobody", Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32)));
        Assert.Null(await store.FindAsync(unknown));
        Assert.Null(await store.OpenReadAsync(unknown, MediaVariant.Original));
        Assert.Empty(await store.GetSharesAsync(unknown));
    }

    [SkippableFact]
    public async Task Shares_are_recorded_once_per_conversation()
    {
        var store = await CreateStoreAsync();
        var (media, content, thumbnail) = NewImage(100, 10);
        await store.SaveAsync(media, new MemoryStream(content), new MemoryStream(thumbnail));
        Assert.Empty(await store.GetSharesAsync(media.MediaId));

        await store.RecordShareAsync(media.MediaId, "room:lobby", 1);
        await store.RecordShareAsync(media.MediaId, "dm:alice:bob", 1);
        await store.RecordShareAsync(media.MediaId, "room:lobby", 1);
        await store.RecordShareAsync(media.MediaId, "room:lobby", 2);

        Assert.Equal(["dm:alice:bob", "room:lobby"], (await store.GetSharesAsync(media.MediaId)).Order(StringComparer.Ordinal));
    }

    [SkippableFact]
    public async Task Unshared_items_older_than_the_cutoff_are_orphans_and_delete_whole()
    {
        var store = await CreateStoreAsync();
        var old = DateTimeOffset.FromUnixTimeMilliseconds(DateTimeOffset.UtcNow.AddDays(-2).ToUnixTimeMilliseconds());
        var (abandoned, content, thumbnail) = NewImage(100, 10);
        abandoned = abandoned with { CreatedAt = old };
        var (sent, sentContent, sentThumbnail) = NewImage(100, 10);
        sent = sent with { CreatedAt = old };
        var (fresh, freshContent, freshThumbnail) = NewImage(100, 10);
        await store.SaveAsync(abandoned, new MemoryStream(content), new MemoryStream(thumbnail));
        await store.SaveAsync(sent, new MemoryStream(sentContent), new MemoryStream(sentThumbnail));
        await store.SaveAsync(fresh, new MemoryStream(freshContent), new MemoryStream(freshThumbnail));
        await store.RecordShareAsync(sent.MediaId, "room:lobby", 1);

        var orphans = await store.FindOrphansAsync(DateTimeOffset.UtcNow.AddDays(-1), 1000);

        Assert.Contains(abandoned.MediaId, orphans);
        Assert.DoesNotContain(sent.MediaId, orphans);
        Assert.DoesNotContain(fresh.MediaId, orphans);
        await store.DeleteAsync(abandoned.MediaId);
        await store.DeleteAsync(abandoned.MediaId); // idempotent
        Assert.Null(await store.FindAsync(abandoned.MediaId));
        Assert.Null(await store.OpenReadAsync(abandoned.MediaId, MediaVariant.Original));
        Assert.Null(await store.OpenReadAsync(abandoned.MediaId, MediaVariant.Thumbnail));
        Assert.DoesNotContain(abandoned.MediaId, await store.FindOrphansAsync(DateTimeOffset.UtcNow.AddDays(-1), 1000));
        Assert.NotNull(await store.FindAsync(sent.MediaId));
    }

    [SkippableFact]
    public async Task An_item_is_released_when_its_last_referencing_message_is_recalled()
    {
        var store = await CreateStoreAsync();
        var (media, content, thumbnail) = NewImage(100, 10);
        await store.SaveAsync(media, new MemoryStream(content), new MemoryStream(thumbnail));
        await store.RecordShareAsync(media.MediaId, "room:lobby", 1);
        await store.RecordShareAsync(media.MediaId, "room:lobby", 2);
        await store.RecordShareAsync(media.MediaId, "room:lobby-2", 7);
        var at = DateTimeOffset.FromUnixTimeMilliseconds(DateTimeOffset.UtcNow.AddHours(-1).ToUnixTimeMilliseconds());

        await store.ReleaseAsync(media.MediaId, "room:lobby", 1, at);
        Assert.Equal(["room:lobby", "room:lobby-2"], (await store.GetSharesAsync(media.MediaId)).Order(StringComparer.Ordinal));
        await store.ReleaseAsync(media.MediaId, "room:lobby", 2, at);
        Assert.Equal(["room:lobby-2"], await store.GetSharesAsync(media.MediaId));
        Assert.DoesNotContain(media.MediaId, await store.FindReleasedAsync(DateTimeOffset.UtcNow, 1000));
        await store.ReleaseAsync(media.MediaId, "room:lobby-2", 7, at);

        Assert.Empty(await store.GetSharesAsync(media.MediaId));
        Assert.Contains(media.MediaId, await store.FindReleasedAsync(at.AddMilliseconds(1), 1000));
        Assert.DoesNotContain(media.MediaId, await store.FindReleasedAsync(at, 1000)); // not yet past the retention
        Assert.DoesNotContain(media.MediaId, await store.FindOrphansAsync(DateTimeOffset.UtcNow.AddDays(1), 1000)); // its retention, not the orphan age
        Assert.NotNull(await store.FindAsync(media.MediaId));
    }

    [SkippableFact]
    public async Task Sending_a_released_item_again_takes_the_release_back()
    {
        var store = await CreateStoreAsync();
        var (media, content, thumbnail) = NewImage(100, 10);
        await store.SaveAsync(media, new MemoryStream(content), new MemoryStream(thumbnail));
        await store.RecordShareAsync(media.MediaId, "room:lobby", 1);
        await store.ReleaseAsync(media.MediaId, "room:lobby", 1, DateTimeOffset.UtcNow.AddDays(-1));

        await store.RecordShareAsync(media.MediaId, "dm:alice:bob", 3);

        Assert.DoesNotContain(media.MediaId, await store.FindReleasedAsync(DateTimeOffset.UtcNow, 1000));
        Assert.Equal(["dm:alice:bob"], await store.GetSharesAsync(media.MediaId));
    }

    [SkippableFact]
    public async Task Releasing_a_reference_that_was_never_recorded_changes_nothing()
    {
        var store = await CreateStoreAsync();
        var (media, content, thumbnail) = NewImage(100, 10);
        await store.SaveAsync(media, new MemoryStream(content), new MemoryStream(thumbnail));
        await store.RecordShareAsync(media.MediaId, "room:lobby", 1);

        await store.ReleaseAsync(media.MediaId, "room:lobby", 99, DateTimeOffset.UtcNow.AddDays(-1));
        await store.ReleaseAsync(MediaIds.For("nobody", "none"), "room:lobby", 1, DateTimeOffset.UtcNow.AddDays(-1));

        Assert.Equal(["room:lobby"], await store.GetSharesAsync(media.MediaId));
        Assert.DoesNotContain(media.MediaId, await store.FindReleasedAsync(DateTimeOffset.UtcNow, 1000));
    }

    protected static (StoredMedia Media, byte[] Content, byte[] Thumbnail) NewImage(int contentBytes, int thumbnailBytes)
    {
        var content = RandomNumberGenerator.GetBytes(contentBytes);
        var thumbnail = RandomNumberGenerator.GetBytes(thumbnailBytes);
        var media = Describe(content, MediaKind.Image, "image/jpeg") with
        {
            Width = 640, Height = 480, ThumbnailMime = "image/jpeg", ThumbnailBytes = thumbnailBytes,
        };
        return (media, content, thumbnail);
    }

    private static StoredMedia Describe(byte[] content, MediaKind kind, string mime)
    {
        var hash = Convert.ToHexStringLower(SHA256.HashData(content));
        // Milliseconds: the precision every backend keeps (BSON dates).
        var now = DateTimeOffset.FromUnixTimeMilliseconds(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        return new StoredMedia(MediaIds.For("alice", hash), "alice", kind, mime, content.Length, hash, now);
    }

    protected static async Task<byte[]> ReadAllAsync(IMediaStore store, string mediaId, MediaVariant variant)
    {
        await using var stream = (await store.OpenReadAsync(mediaId, variant))!;
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy);
        return copy.ToArray();
    }
}
