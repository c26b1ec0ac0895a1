namespace OrleansChat.Gateway.Media.Storage;

/// <summary>The two kinds of media a message can carry.</summary>
public enum MediaKind
{
    Image,
    Audio,
}

/// <summary>
/// What the store keeps about one upload besides its bytes. <see cref="Bytes"/> and <see cref="Mime"/> describe the
/// stored (re-encoded or transcoded) original; <see cref="ContentHash"/> is the SHA-256 of the bytes as uploaded, the
/// dedupe key. <see cref="KeyId"/> is set only on what <see cref="EncryptingMediaStore"/> hands the store it wraps: the
/// key the bytes are sealed with (the lengths are then the sealed lengths); null for bytes stored in the clear.
/// </summary>
public sealed record StoredMedia(
    string MediaId,
    string OwnerId,
    MediaKind Kind,
    string Mime,
    long Bytes,
    string ContentHash,
    DateTimeOffset CreatedAt,
    int? Width = null,
    int? Height = null,
    int? DurationMs = null,
    string? ThumbnailMime = null,
    long? ThumbnailBytes = null,
    string? KeyId = null)
{
    /// <summary>The mime type and length of one variant, or null when the item has no such variant.</summary>
    public (string Mime, long Bytes)? Variant(MediaVariant variant) => variant switch
    {
        MediaVariant.Original => (Mime, Bytes),
        MediaVariant.Thumbnail when ThumbnailMime is not null && ThumbnailBytes is { } bytes => (ThumbnailMime, bytes),
        _ => null,
    };
}
