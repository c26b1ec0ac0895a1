namespace OrleansChat.Gateway.Media;

/// <summary>Where uploaded media is kept.</summary>
public enum MediaStoreProvider
{
    /// <summary>Files under <see cref="MediaOptions.DataFolder"/>: the embedded default, for one gateway.</summary>
    Disk,

    /// <summary>The chat database (<c>MessageLog:Postgres</c>), through its shared pool.</summary>
    Postgres,

    /// <summary>A GridFS bucket (<c>Media:Mongo</c>).</summary>
    MongoDB,
}

/// <summary>Uploads, storage and serving of images and voice messages (section "Media"; docs/protocol.md, "Media").</summary>
public sealed class MediaOptions
{
    public const string SectionName = "Media";

    public MediaStoreProvider Provider { get; set; } = MediaStoreProvider.Disk;

    /// <summary>The folder of the Disk store (relative: to the working directory).</summary>
    public string DataFolder { get; set; } = "data/media";

    /// <summary>Largest image upload, in bytes (413 beyond).</summary>
    public long MaxImageBytes { get; set; } = 10 * 1024 * 1024;

    /// <summary>Largest image width or height in pixels, read from the header before anything is decoded (decompression bombs).</summary>
    public int MaxImageDimension { get; set; } = 8_000;

    /// <summary>Longest side of an image's thumbnail, in pixels.</summary>
    public int ThumbnailSize { get; set; } = 360;

    /// <summary>Largest voice upload, in bytes (413 beyond).</summary>
    public long MaxVoiceBytes { get; set; } = 2 * 1024 * 1024;

    /// <summary>Longest voice message, measured on the server (413 beyond).</summary>
    public TimeSpan MaxVoiceDuration { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How long a signed media URL (in messages, history and sync) stays valid.</summary>
    public TimeSpan SignedUrlLifetime { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// HMAC-SHA256 keys for signed media URLs. The first signs (its id travels in the URL); every listed key still
    /// verifies, for rotation. Empty: one ephemeral key, fine for a single gateway and nothing else.
    /// </summary>
    public List<MediaUrlKey> UrlSigningKeys { get; set; } = [];

    /// <summary>The ffmpeg executable that transcodes voice messages (Debian package ffmpeg).</summary>
    public string FfmpegPath { get; set; } = "ffmpeg";

    /// <summary>The ffprobe executable that checks voice uploads and measures their duration.</summary>
    public string FfprobePath { get; set; } = "ffprobe";

    /// <summary>The longest ffmpeg or ffprobe may run on one upload before it is killed and the upload refused.</summary>
    public TimeSpan TranscodeTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Uploads decoded, re-encoded or transcoded at once by this gateway; more wait (their bytes are already on disk).
    /// Decoding a large image takes memory (up to width x height x 4 bytes) and a core: this bounds both.
    /// </summary>
    public int MaxConcurrentProcessing { get; set; } = Math.Max(1, Environment.ProcessorCount / 2);

    /// <summary>Uploads no stored message references are deleted once this old (abandoned uploads).</summary>
    public TimeSpan OrphanAge { get; set; } = TimeSpan.FromDays(1);

    /// <summary>How often each gateway looks for orphaned uploads.</summary>
    public TimeSpan OrphanSweepInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// Uploads whose every referencing message was recalled are deleted once released this long ago (the purge; zero:
    /// at the next sweep). Keeps recalled pictures and voice for a moderation or legal hold, then no longer.
    /// </summary>
    public TimeSpan RecalledRetention { get; set; } = TimeSpan.FromDays(7);

    /// <summary>
    /// Seal stored bytes (originals and thumbnails) with the message log's key ring (<c>MessageLog:Encryption:Keys</c>,
    /// required when on): AES-256-GCM in 64 KiB chunks, so Range requests still read only what they cover. Items stored
    /// before it was switched on stay readable.
    /// </summary>
    public bool EncryptAtRest { get; set; }

    /// <summary>Uploads a user may start per minute on one gateway, on average (0: unlimited); beyond, <c>429</c> with <c>Retry-After</c>.</summary>
    public int UploadsPerMinute { get; set; } = 30;

    /// <summary>Uploads a user may start at once after a quiet spell (the token bucket's size).</summary>
    public int UploadBurst { get; set; } = 10;

    public MongoMediaOptions Mongo { get; set; } = new();

    /// <summary>Null when the options may be used, else what is wrong (start-up fails with it).</summary>
    public string? Problem() =>
        MaxImageBytes < 1024 ? "Media:MaxImageBytes must be at least 1024"
        : MaxImageDimension is < 16 or > 30_000 ? "Media:MaxImageDimension must be 16-30000"
        : ThumbnailSize is < 16 or > 2048 ? "Media:ThumbnailSize must be 16-2048"
        : MaxVoiceBytes < 1024 ? "Media:MaxVoiceBytes must be at least 1024"
        : MaxVoiceDuration <= TimeSpan.Zero ? "Media:MaxVoiceDuration must be positive"
        : SignedUrlLifetime < TimeSpan.FromSeconds(10) ? "Media:SignedUrlLifetime must be at least 10 seconds"
        : TranscodeTimeout <= TimeSpan.Zero ? "Media:TranscodeTimeout must be positive"
        : MaxConcurrentProcessing < 1 ? "Media:MaxConcurrentProcessing must be at least 1"
        : OrphanAge < TimeSpan.FromMinutes(10) || OrphanSweepInterval < TimeSpan.FromSeconds(1) ? "Media:OrphanAge must be at least 10 minutes and Media:OrphanSweepInterval at least 1 second"
        : RecalledRetention < TimeSpan.Zero ? "Media:RecalledRetention must not be negative"
        : UploadsPerMinute is < 0 or > 60_000 ? "Media:UploadsPerMinute must be 0 (unlimited) to 60000"
        : UploadBurst < 1 ? "Media:UploadBurst must be at least 1"
        : Provider == MediaStoreProvider.Disk && string.IsNullOrWhiteSpace(DataFolder) ? "Media:DataFolder is required with the Disk provider"
        : Provider == MediaStoreProvider.MongoDB && string.IsNullOrWhiteSpace(Mongo.ConnectionString) ? "Media:Mongo:ConnectionString is required with the MongoDB provider"
        : UrlSigningKeys.Select(k => k.Problem()).FirstOrDefault(p => p is not null)
          ?? (UrlSigningKeys.Select(k => k.Id).Distinct(StringComparer.Ordinal).Count() != UrlSigningKeys.Count ? "Media:UrlSigningKeys: key ids must be distinct" : null);
}

/// <summary>One HMAC key of <see cref="MediaOptions.UrlSigningKeys"/>.</summary>
public sealed class MediaUrlKey
{
    /// <summary>Short id carried in signed URLs (letters, digits, '-' or '_').</summary>
    public string Id { get; set; } = "";

    /// <summary>The key: at least 32 random bytes, base64.</summary>
    public string Secret { get; set; } = "";

    public string? Problem()
    {
        if (Id.Length is < 1 or > 32 || !Id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
        {
            return "Media:UrlSigningKeys: each Id must be 1-32 letters, digits, '-' or '_'";
        }

        Span<byte> buffer = stackalloc byte[256];
        return Convert.TryFromBase64String(Secret, buffer, out var length) && length >= 32 ? null
            : $"Media:UrlSigningKeys: the Secret of '{Id}' must be base64 of 32-256 bytes";
    }
}

/// <summary>The GridFS bucket of the MongoDB store.</summary>
public sealed class MongoMediaOptions
{
    /// <summary>A <c>mongodb://</c> connection string; required with the MongoDB provider.</summary>
    public string ConnectionString { get; set; } = "";

    public string Database { get; set; } = "orleanschat_media";

    /// <summary>GridFS bucket name; item documents live in <c>{BucketName}.items</c>.</summary>
    public string BucketName { get; set; } = "media";
}
