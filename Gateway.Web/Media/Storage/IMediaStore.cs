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

    /// <summary>Records that a stored message in <paramref name="conversation"/> references the media (idempotent).</summary>
    Task RecordShareAsync(string mediaId, string conversation, CancellationToken cancellationToken = default);

    /// <summary>The conversations a message referencing the media was stored in.</summary>
    Task<IReadOnlyList<string>> GetSharesAsync(string mediaId, CancellationToken cancellationToken = default);

    /// <summary>Up to <paramref name="limit"/> items stored before <paramref name="createdBefore"/> that no stored message references (abandoned uploads).</summary>
    Task<IReadOnlyList<string>> FindOrphansAsync(DateTimeOffset createdBefore, int limit, CancellationToken cancellationToken = default);

    /// <summary>Removes an item with its bytes and shares; nothing happens when there is none.</summary>
    Task DeleteAsync(string mediaId, CancellationToken cancellationToken = default);
}
