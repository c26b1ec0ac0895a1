namespace OrleansChat.Gateway.Media.Storage;

/// <summary>
/// Seals media bytes before they reach the store it wraps and opens them on the way out (<c>Media:EncryptAtRest</c>,
/// <see cref="MediaCipher"/>), for any backend. The wrapped store sees the sealed lengths and the key id; callers see the
/// plaintext lengths and no key id, as if nothing were encrypted. Items stored before encryption was switched on (no key
/// id) are served as stored. Descriptions, shares and message references stay readable: they are how items are found.
/// </summary>
public sealed class EncryptingMediaStore(IMediaStore inner, MediaCipher cipher) : IMediaStore
{
    public async Task<StoredMedia?> FindAsync(string mediaId, CancellationToken cancellationToken = default) =>
        Opened(await inner.FindAsync(mediaId, cancellationToken));

    public async Task<bool> SaveAsync(StoredMedia media, Stream content, Stream? thumbnail, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(media);
        ArgumentNullException.ThrowIfNull(content);
        if (thumbnail is not null && media.ThumbnailBytes is null)
        {
            throw new ArgumentException("a thumbnail needs its length in ThumbnailBytes", nameof(media));
        }

        var sealedMedia = media with
        {
            Bytes = MediaCipher.SealedLength(media.Bytes),
            ThumbnailBytes = media.ThumbnailBytes is { } t ? MediaCipher.SealedLength(t) : null,
            KeyId = cipher.CurrentKeyId,
        };
        await using var sealedContent = cipher.Seal(content, media.MediaId, MediaVariant.Original, media.Bytes);
        await using var sealedThumbnail = thumbnail is null ? null : cipher.Seal(thumbnail, media.MediaId, MediaVariant.Thumbnail, media.ThumbnailBytes!.Value);
        return await inner.SaveAsync(sealedMedia, sealedContent, sealedThumbnail, cancellationToken);
    }

    public async Task<Stream?> OpenReadAsync(string mediaId, MediaVariant variant, CancellationToken cancellationToken = default)
    {
        var stored = await inner.FindAsync(mediaId, cancellationToken);
        var sealedStream = stored is null ? null : await inner.OpenReadAsync(mediaId, variant, cancellationToken);
        if (stored?.KeyId is not { } keyId || sealedStream is null)
        {
            return sealedStream;
        }

        try
        {
            var plainLength = MediaCipher.PlainLength(stored.Variant(variant)!.Value.Bytes);
            return await cipher.OpenAsync(sealedStream, keyId, mediaId, variant, plainLength, cancellationToken);
        }
        catch
        {
            await sealedStream.DisposeAsync();
            throw;
        }
    }

    public Task RecordShareAsync(string mediaId, string conversation, long seq, CancellationToken cancellationToken = default) =>
        inner.RecordShareAsync(mediaId, conversation, seq, cancellationToken);

    public Task ReleaseAsync(string mediaId, string conversation, long seq, DateTimeOffset at, CancellationToken cancellationToken = default) =>
        inner.ReleaseAsync(mediaId, conversation, seq, at, cancellationToken);

    public Task<IReadOnlyList<string>> GetSharesAsync(string mediaId, CancellationToken cancellationToken = default) =>
        inner.GetSharesAsync(mediaId, cancellationToken);

    public Task<IReadOnlyList<string>> FindOrphansAsync(DateTimeOffset createdBefore, int limit, CancellationToken cancellationToken = default) =>
        inner.FindOrphansAsync(createdBefore, limit, cancellationToken);

    public Task<IReadOnlyList<string>> FindReleasedAsync(DateTimeOffset releasedBefore, int limit, CancellationToken cancellationToken = default) =>
        inner.FindReleasedAsync(releasedBefore, limit, cancellationToken);

    public Task DeleteAsync(string mediaId, CancellationToken cancellationToken = default) => inner.DeleteAsync(mediaId, cancellationToken);

    private static StoredMedia? Opened(StoredMedia? stored) => stored?.KeyId is null ? stored : stored with
    {
        Bytes = MediaCipher.PlainLength(stored.Bytes),
        ThumbnailBytes = stored.ThumbnailBytes is { } t ? MediaCipher.PlainLength(t) : null,
        KeyId = null,
    };
}
