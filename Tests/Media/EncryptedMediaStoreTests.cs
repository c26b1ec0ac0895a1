using System.Security.Cryptography;
using System.Text;
using OrleansChat.Gateway.Media.Storage;
using OrleansChat.Grains.MessageLog.Encryption;

namespace OrleansChat.Tests.Media;

/// <summary>
/// At-rest encryption (<see cref="EncryptingMediaStore"/>) over a real disk store: the conformance suite through the
/// wrapper, then what is on disk: no plaintext, and chunks that were altered, moved or cut refused.
/// </summary>
public sealed class EncryptedMediaStoreTests : MediaStoreConformanceTests, IDisposable
{
    private static readonly MessageLogKeySettings First = Key("k1", 1);
    private static readonly MessageLogKeySettings Second = Key("k2", 2);
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "orleanschat-media-sealed-" + Guid.NewGuid().ToString("N"));

    protected override Task<IMediaStore> CreateStoreAsync() => Task.FromResult<IMediaStore>(Sealed(First));

    [Fact]
    public async Task Stored_bytes_do_not_contain_the_plaintext_and_read_back_whole()
    {
        var store = Sealed(First);
        var content = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Range(0, 8000).Select(i => $"plaintext line {i:D6}\n")));
        var media = Describe(content);

        await store.SaveAsync(media, new MemoryStream(content), null);

        var raw = await File.ReadAllBytesAsync(RawPath(media.MediaId));
        Assert.Equal(MediaCipher.SealedLength(content.Length), raw.Length);
        for (var at = 0; at + 32 <= content.Length; at += 4096)
        {
            Assert.True(raw.AsSpan().IndexOf(content.AsSpan(at, 32)) < 0, $"plaintext at {at} found in the stored bytes");
        }

        Assert.Equal(media, await store.FindAsync(media.MediaId));
        Assert.Equal(content, await ReadAllAsync(store, media.MediaId, MediaVariant.Original));
    }

    [Fact]
    public async Task A_range_read_opens_the_chunks_it_covers()
    {
        var store = Sealed(First);
        var content = RandomNumberGenerator.GetBytes((MediaCipher.ChunkSize * 3) + 17);
        var media = Describe(content);
        await store.SaveAsync(media, new MemoryStream(content), null);
        File.WriteAllBytes(RawPath(media.MediaId), Tampered(await File.ReadAllBytesAsync(RawPath(media.MediaId)), chunk: 0));

        // Chunk 0 is damaged, yet a range inside chunks 1-3 reads: only the chunks a range covers are opened.
        await using var stream = (await store.OpenReadAsync(media.MediaId, MediaVariant.Original))!;
        stream.Seek((MediaCipher.ChunkSize * 2) - 10, SeekOrigin.Begin);
        var buffer = new byte[MediaCipher.ChunkSize + 27];
        await stream.ReadExactlyAsync(buffer);
        Assert.Equal(content.AsSpan((MediaCipher.ChunkSize * 2) - 10, buffer.Length).ToArray(), buffer);
    }

    [Fact]
    public async Task A_tampered_chunk_is_refused()
    {
        var (store, media) = await SaveChunksAsync(3);
        var raw = await File.ReadAllBytesAsync(RawPath(media.MediaId));
        await File.WriteAllBytesAsync(RawPath(media.MediaId), Tampered(raw, chunk: 1));

        await using var stream = (await store.OpenReadAsync(media.MediaId, MediaVariant.Original))!;
        var first = new byte[100];
        await stream.ReadExactlyAsync(first); // chunk 0 is intact
        await Assert.ThrowsAnyAsync<CryptographicException>(() => stream.CopyToAsync(Stream.Null));
    }

    [Fact]
    public async Task Reordered_chunks_are_refused()
    {
        var (store, media) = await SaveChunksAsync(3);
        var raw = await File.ReadAllBytesAsync(RawPath(media.MediaId));
        var sealedChunk = MediaCipher.ChunkSize + MediaCipher.TagBytes;
        var swapped = raw.ToArray();
        raw.AsSpan(MediaCipher.HeaderBytes, sealedChunk).CopyTo(swapped.AsSpan(MediaCipher.HeaderBytes + sealedChunk));
        raw.AsSpan(MediaCipher.HeaderBytes + sealedChunk, sealedChunk).CopyTo(swapped.AsSpan(MediaCipher.HeaderBytes));
        await File.WriteAllBytesAsync(RawPath(media.MediaId), swapped);

        await Assert.ThrowsAnyAsync<CryptographicException>(() => ReadAllAsync(store, media.MediaId, MediaVariant.Original));
    }

    [Fact]
    public async Task A_truncated_item_is_refused()
    {
        var (store, media) = await SaveChunksAsync(3);
        var raw = await File.ReadAllBytesAsync(RawPath(media.MediaId));
        await File.WriteAllBytesAsync(RawPath(media.MediaId), raw[..(MediaCipher.HeaderBytes + (2 * (MediaCipher.ChunkSize + MediaCipher.TagBytes)))]);

        await Assert.ThrowsAnyAsync<IOException>(() => ReadAllAsync(store, media.MediaId, MediaVariant.Original));
    }

    [Fact]
    public async Task Items_sealed_under_an_older_key_open_after_a_rotation_and_not_without_it()
    {
        var content = RandomNumberGenerator.GetBytes(1000);
        var media = Describe(content);
        await Sealed(First).SaveAsync(media, new MemoryStream(content), null);

        var rotated = Sealed(Second, First);
        Assert.Equal(content, await ReadAllAsync(rotated, media.MediaId, MediaVariant.Original));
        var newer = Describe(RandomNumberGenerator.GetBytes(10));
        await rotated.SaveAsync(newer, new MemoryStream(RandomNumberGenerator.GetBytes(10)), null);
        Assert.Equal("k2", (await new DiskMediaStore(_folder).FindAsync(newer.MediaId))!.KeyId);

        await Assert.ThrowsAnyAsync<CryptographicException>(() => Sealed(Second).OpenReadAsync(media.MediaId, MediaVariant.Original));
    }

    [Fact]
    public async Task Items_stored_in_the_clear_before_encryption_stay_readable()
    {
        var content = RandomNumberGenerator.GetBytes(5000);
        var media = Describe(content);
        await new DiskMediaStore(_folder).SaveAsync(media, new MemoryStream(content), null);

        Assert.Equal(media, await Sealed(First).FindAsync(media.MediaId));
        Assert.Equal(content, await ReadAllAsync(Sealed(First), media.MediaId, MediaVariant.Original));
    }

    [Fact]
    public async Task Content_longer_than_its_recorded_length_is_refused_and_nothing_stored()
    {
        var store = Sealed(First);
        var content = RandomNumberGenerator.GetBytes(3000);
        var media = Describe(content) with { Bytes = 2000 };

        await Assert.ThrowsAnyAsync<IOException>(() => store.SaveAsync(media, new MemoryStream(content), null));

        Assert.Null(await store.FindAsync(media.MediaId));
    }

    public void Dispose()
    {
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    private static MessageLogKeySettings Key(string id, byte seed) =>
        new() { Id = id, Base64Key = Convert.ToBase64String(Enumerable.Repeat(seed, 32).ToArray()) };

    private static StoredMedia Describe(byte[] content)
    {
        var hash = Convert.ToHexStringLower(SHA256.HashData(content));
        var now = DateTimeOffset.FromUnixTimeMilliseconds(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        return new StoredMedia(MediaIds.For("alice", hash), "alice", MediaKind.Audio, "audio/mp4", content.Length, hash, now, DurationMs: 1000);
    }

    /// <summary>One bit of one chunk's ciphertext flipped.</summary>
    private static byte[] Tampered(byte[] raw, int chunk)
    {
        var copy = raw.ToArray();
        copy[MediaCipher.HeaderBytes + (chunk * (MediaCipher.ChunkSize + MediaCipher.TagBytes)) + 10] ^= 0x01;
        return copy;
    }

    private EncryptingMediaStore Sealed(params MessageLogKeySettings[] keys) => new EncryptingMediaStore(new DiskMediaStore(_folder), new MediaCipher(keys));

    private string RawPath(string mediaId) => Path.Combine(_folder, mediaId[..2], mediaId, "original");

    private async Task<(EncryptingMediaStore Store, StoredMedia Media)> SaveChunksAsync(int chunks)
    {
        var store = Sealed(First);
        var content = RandomNumberGenerator.GetBytes((MediaCipher.ChunkSize * (chunks - 1)) + 500);
        var media = Describe(content);
        await store.SaveAsync(media, new MemoryStream(content), null);
        return (store, media);
    }
}
