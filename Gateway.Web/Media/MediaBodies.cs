using OrleansChat.Gateway.Media.Storage;
using OrleansChat.Model;

namespace OrleansChat.Gateway.Media;

/// <summary>
/// Message bodies that reference uploads. On send, <c>{kind:"image", mediaId}</c> / <c>{kind:"audio", mediaId}</c> becomes
/// the body that is stored and delivered: a signed URL (and thumbnail URL), with the dimensions or duration the server
/// measured, never the client's. Only the uploader may send a media id. When history or sync hands a stored message
/// out again its URLs are signed afresh (the stored ones have expired by then).
/// </summary>
public sealed partial class MediaBodies(IMediaStore store, MediaUrlSigner signer, TimeProvider time, ILogger<MediaBodies> logger)
{
    public static bool ReferencesUpload(MessageBody body) => body is ImageBody { MediaId: not null } or AudioBody { MediaId: not null };

    /// <summary>The body to store for <paramref name="body"/> sent by <paramref name="senderId"/>; bodies without a media id pass unchanged.</summary>
    public async Task<MessageBody> ResolveAsync(string senderId, MessageBody body)
    {
        var (mediaId, kind) = body switch
        {
            ImageBody { MediaId: { } id } => (id, MediaKind.Image),
            AudioBody { MediaId: { } id } => (id, MediaKind.Audio),
            _ => (null, default),
        };
        if (mediaId is null)
        {
            return body;
        }

        var media = MediaIds.IsWellFormed(mediaId) ? await store.FindAsync(mediaId) : null;
        if (media is null || !string.Equals(media.OwnerId, senderId, StringComparison.Ordinal))
        {
            throw ChatException.Forbidden($"media {mediaId} was not uploaded by you");
        }

        return media.Kind != kind
            ? throw ChatException.BadRequest($"media {mediaId} is {(media.Kind == MediaKind.Image ? "an image" : "audio")}, not {(kind == MediaKind.Image ? "an image" : "audio")}")
            : Signed(media.MediaId, media.Kind, media.Width, media.Height, media.DurationMs ?? 0, hasThumbnail: media.ThumbnailMime is not null);
    }

    /// <summary>Records that the stored message <paramref name="seq"/> of <paramref name="conv"/> references the body's upload, so its members may fetch it.</summary>
    public Task RecordShareAsync(MessageBody body, string conv, long seq) =>
        MediaIdOf(body) is { } mediaId ? store.RecordShareAsync(mediaId, conv, seq) : Task.CompletedTask;

    /// <summary>
    /// After the recall of <paramref name="recalled"/> is stored: its upload is no longer referenced by it (the purge
    /// deletes an upload no message references after <c>Media:RecalledRetention</c>). The recall stands if this fails:
    /// the upload then stays, as if the message were still there, and the failure is logged.
    /// </summary>
    public async Task ReleaseAsync(ChatMessage recalled)
    {
        ArgumentNullException.ThrowIfNull(recalled);
        if (MediaIdOf(recalled.Body) is not { } mediaId)
        {
            return;
        }

        try
        {
            await store.ReleaseAsync(mediaId, recalled.Conv, recalled.Seq, time.GetUtcNow());
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogReleaseFailed(logger, mediaId, recalled.Conv, recalled.Seq, e);
        }
    }

    /// <summary>The messages with every upload's URLs signed afresh; the same list when none references an upload.</summary>
    public IReadOnlyList<ChatMessage> Resign(IReadOnlyList<ChatMessage> messages)
    {
        if (!messages.Any(m => MediaIdOf(m.Body) is not null))
        {
            return messages;
        }

        return [.. messages.Select(m => MediaIdOf(m.Body) is { } id ? m with { Body = Resigned(m.Body, id) } : m)];
    }

    private MessageBody Resigned(MessageBody body, string mediaId) => body switch
    {
        ImageBody image => Signed(mediaId, MediaKind.Image, image.Width, image.Height, 0, hasThumbnail: true),
        AudioBody audio => Signed(mediaId, MediaKind.Audio, null, null, audio.DurationMs, hasThumbnail: false),
        _ => body,
    };

    private MessageBody Signed(string mediaId, MediaKind kind, int? width, int? height, int durationMs, bool hasThumbnail)
    {
        var url = signer.Sign(mediaId);
        return kind == MediaKind.Image
            ? new ImageBody(url, width, height, mediaId, hasThumbnail ? MediaUrlSigner.ThumbnailOf(url) : null)
            : new AudioBody(url, durationMs, mediaId);
    }

    /// <summary>The upload a stored body references: its media id, or the id in a URL this server signed (stored bodies keep only the URL).</summary>
    private static string? MediaIdOf(MessageBody body) => body switch
    {
        ImageBody image => image.MediaId ?? MediaUrlSigner.MediaIdOf(image.Url),
        AudioBody audio => audio.MediaId ?? MediaUrlSigner.MediaIdOf(audio.Url),
        _ => null,
    };

    [LoggerMessage(Level = LogLevel.Warning, Message = "Releasing media {MediaId} of recalled message {Conv}#{Seq} failed; it stays until a message recall releases it")]
    private static partial void LogReleaseFailed(ILogger logger, string mediaId, string conv, long seq, Exception exception);
}
