namespace OrleansChat.Gateway.Media.Storage;

/// <summary>Which stored bytes of a media item: what the uploader sent (after re-encoding) or its thumbnail.</summary>
public enum MediaVariant
{
    Original,
    Thumbnail,
}

/// <summary>
/// Where uploaded media lives (section <c>Media</c>, <see cref="MediaOptions.Provider"/>): one interface beside one file
/// per backend (<see cref="DiskMediaStore"/>, <see cref="PostgresMediaStore"/>, <see cref="MongoMediaStore"/>), all held to
/// the same contract by one conformance suite. Media ids are derived from (uploader, content hash), so saving the same
/// upload twice finds the first copy: the dedupe is per uploader, never across users (a hash match must not hand one user
/// another's file or reveal that it exists).
/// </summary>
public interface IMediaStore
{
    /// <summary>The description of a stored item, or null when there is none.</summary>
    Task<StoredMedia?> FindAsync(string mediaId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Stores <paramref name="media"/> with its bytes (and thumbnail, for images) all or nothing. False, with nothing
    /// changed, when an item with that id is stored already (the same uploader sent the same bytes before).
    /// </summary>
    Task<bool> SaveAsync(StoredMedia media, Stream content, Stream? thumbnail, CancellationToken cancellationToken = default);

    /// <summary>The bytes of one variant as a seekable stream (HTTP Range needs seeking), or null when there are none.</summary>
    Task<Stream?> OpenReadAsync(string mediaId, MediaVariant variant, CancellationToken cancellationToken = default);

    /// <summary>
    /// Records that the stored message <paramref name="seq"/> of <paramref name="conversation"/> references the media, so the
    /// conversation's readers may fetch it (idempotent). An item released before is taken back: it is referenced again.
    /// </summary>
    Task RecordShareAsync(string mediaId, string conversation, long seq, CancellationToken cancellationToken = default);

    /// <summary>
    /// The message <paramref name="seq"/> of <paramref name="conversation"/> no longer references the media (it was recalled):
    /// the conversation's share goes when no other recorded message of it references the media, and when no recorded
    /// message references it at all the item is marked released at <paramref name="at"/>, for the purge. Nothing happens
    /// when that message reference was never recorded (shares recorded before message references were kept stay).
    /// </summary>
    Task ReleaseAsync(string mediaId, string conversation, long seq, DateTimeOffset at, CancellationToken cancellationToken = default);

    /// <summary>The conversations a message referencing the media was stored in.</summary>
    Task<IReadOnlyList<string>> GetSharesAsync(string mediaId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Up to <paramref name="limit"/> items stored before <paramref name="createdBefore"/> that no stored message ever
    /// referenced (abandoned uploads); released items are not orphans (their retention runs from their release).
    /// </summary>
    Task<IReadOnlyList<string>> FindOrphansAsync(DateTimeOffset createdBefore, int limit, CancellationToken cancellationToken = default);

    /// <summary>Up to <paramref name="limit"/> items released before <paramref name="releasedBefore"/> that no conversation shares (the purge).</summary>
    Task<IReadOnlyList<string>> FindReleasedAsync(DateTimeOffset releasedBefore, int limit, CancellationToken cancellationToken = default);

    /// <summary>Removes an item with its bytes and shares; nothing happens when there is none.</summary>
    Task DeleteAsync(string mediaId, CancellationToken cancellationToken = default);
}
