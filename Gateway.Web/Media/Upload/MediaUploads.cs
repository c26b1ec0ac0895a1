using System.Security.Cryptography;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using OrleansChat.Gateway.Media.Storage;

namespace OrleansChat.Gateway.Media.Upload;

/// <summary>
/// One upload from request to store: the single file part of a multipart/form-data body is streamed to a scratch file
/// (counted against the limit of its kind as it arrives, hashed on the way), recognised by its magic bytes, checked for
/// lies (a name or part type that claims another kind, data after the end marker, a truncated file), re-encoded or
/// transcoded, and saved. Nothing reaches the store unless every check passed; the scratch files are always deleted.
/// </summary>
public sealed class MediaUploads(IMediaStore store, IOptions<MediaOptions> options, TimeProvider time) : IDisposable
{
    private const int BufferSize = 64 * 1024;
    private readonly MediaOptions _options = options.Value;
    private readonly SemaphoreSlim _processing = new(options.Value.MaxConcurrentProcessing);
    private readonly string _scratch = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "orleanschat-uploads")).FullName;

    /// <summary>The largest body accepted at all: the larger limit plus room for the multipart framing and form fields.</summary>
    public long MaxRequestBytes => Math.Max(_options.MaxImageBytes, _options.MaxVoiceBytes) + (64 * 1024);

    public async Task<StoredMedia> UploadAsync(string ownerId, HttpRequest request, CancellationToken cancellationToken)
    {
        var reader = new MultipartReader(Boundary(request), request.Body);
        var spooled = Path.Combine(_scratch, Guid.NewGuid().ToString("N"));
        try
        {
            var (name, partType, format, hash) = await SpoolFileAsync(reader, spooled, cancellationToken);
            CheckClaims(format, name, partType);
            var mediaId = MediaIds.For(ownerId, hash);
            if (await store.FindAsync(mediaId, cancellationToken) is { } existing)
            {
                return existing; // the same uploader sent the same bytes before
            }

            var described = new StoredMedia(mediaId, ownerId, MediaFormats.KindOf(format), "", 0, hash, time.GetUtcNow());
            await _processing.WaitAsync(cancellationToken);
            try
            {
                return MediaFormats.KindOf(format) == MediaKind.Image
                    ? await SaveImageAsync(described, spooled, format, cancellationToken)
                    : await SaveVoiceAsync(described, spooled, format, cancellationToken);
            }
            finally
            {
                _processing.Release();
            }
        }
        finally
        {
            File.Delete(spooled);
            File.Delete(spooled + ".m4a");
        }
    }

    public void Dispose() => _processing.Dispose();

    private static string Boundary(HttpRequest request)
    {
        var boundary = MediaTypeHeaderValue.TryParse(request.ContentType, out var type) && type.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase)
            ? HeaderUtilities.RemoveQuotes(type.Boundary).Value
            : null;
        return string.IsNullOrWhiteSpace(boundary) || boundary.Length > 200
            ? throw MediaRefusedException.Unsupported("expected multipart/form-data with one file")
            : boundary;
    }

    /// <summary>Finds the one file part and streams it to <paramref name="path"/>; form fields (wx.uploadFile's formData) are skipped.</summary>
    private async Task<(string? Name, string? PartType, MediaFormat Format, string Hash)> SpoolFileAsync(MultipartReader reader, string path, CancellationToken cancellationToken)
    {
        (string? Name, string? PartType, MediaFormat Format, string Hash)? file = null;
        while (await reader.ReadNextSectionAsync(cancellationToken) is { } section)
        {
            if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition) || !disposition.IsFileDisposition())
            {
                continue;
            }

            if (file is not null)
            {
                throw MediaRefusedException.Invalid("one file per upload");
            }

            var name = HeaderUtilities.RemoveQuotes(disposition.FileNameStar.HasValue ? disposition.FileNameStar : disposition.FileName).Value;
            var (format, hash) = await CopyWithinLimitAsync(section.Body, path, cancellationToken);
            file = (name, section.ContentType, format, hash);
        }

        return file ?? throw MediaRefusedException.Invalid("the form has no file part");
    }

    /// <summary>Copies the part to disk, recognising its format from the first bytes and stopping at the limit of that kind.</summary>
    private async Task<(MediaFormat Format, string Hash)> CopyWithinLimitAsync(Stream body, string path, CancellationToken cancellationToken)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        await using var file = new FileStream(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, BufferSize, useAsync: true);
        var buffer = new byte[BufferSize];
        var head = await body.ReadAtLeastAsync(buffer, MediaFormats.HeadLength, throwOnEndOfStream: false, cancellationToken);
        var format = MediaFormats.Sniff(buffer.AsSpan(0, head))
            ?? throw MediaRefusedException.Unsupported("not a supported image (JPEG, PNG, WebP, GIF) or voice recording (AAC, MP3, M4A, WAV, Ogg/Opus, WebM/Opus)");
        var limit = MediaFormats.KindOf(format) == MediaKind.Image ? _options.MaxImageBytes : _options.MaxVoiceBytes;
        long total = 0;
        for (var read = head; read > 0; read = await body.ReadAsync(buffer, cancellationToken))
        {
            total += read;
            if (total > limit)
            {
                throw MediaRefusedException.TooLarge($"{(MediaFormats.KindOf(format) == MediaKind.Image ? "an image" : "a voice message")} may be at most {limit} bytes");
            }

            hash.AppendData(buffer, 0, read);
            await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
        }

        await CheckEndAsync(file, format, total, cancellationToken);
        return (format, Convert.ToHexStringLower(hash.GetHashAndReset()));
    }

    private static async Task CheckEndAsync(FileStream file, MediaFormat format, long length, CancellationToken cancellationToken)
    {
        var head = new byte[MediaFormats.HeadLength];
        var tail = new byte[Math.Min(length, 16)];
        file.Position = 0;
        var headRead = await file.ReadAtLeastAsync(head, head.Length, throwOnEndOfStream: false, cancellationToken);
        file.Position = length - tail.Length;
        await file.ReadExactlyAsync(tail, cancellationToken);
        if (headRead < MediaFormats.HeadLength)
        {
            throw MediaRefusedException.Invalid("the file is too short to be media");
        }

        if (MediaFormats.EndProblem(format, tail, length, head) is { } problem)
        {
            throw MediaRefusedException.Invalid(problem);
        }
    }

    private static void CheckClaims(MediaFormat format, string? name, string? partType)
    {
        var kind = MediaFormats.KindOf(format);
        if (MediaFormats.KindClaimedBy(name) is { } named && named != kind)
        {
            throw MediaRefusedException.Unsupported($"the content is {MediaFormats.Describe(format)} but the file is named \"{name}\"");
        }

        if (MediaFormats.KindClaimedByType(partType) is { } typed && typed != kind)
        {
            throw MediaRefusedException.Unsupported($"the content is {MediaFormats.Describe(format)} but the part says {partType}");
        }
    }

    private async Task<StoredMedia> SaveImageAsync(StoredMedia described, string path, MediaFormat format, CancellationToken cancellationToken)
    {
        var image = new ImageProcessor(_options).Process(path, format);
        var media = described with
        {
            Mime = image.Mime, Bytes = image.Content.Length, Width = image.Width, Height = image.Height,
            ThumbnailMime = image.ThumbnailMime, ThumbnailBytes = image.Thumbnail.Length,
        };
        await store.SaveAsync(media, new MemoryStream(image.Content), new MemoryStream(image.Thumbnail), cancellationToken);
        return await store.FindAsync(media.MediaId, cancellationToken) ?? media;
    }

    private async Task<StoredMedia> SaveVoiceAsync(StoredMedia described, string path, MediaFormat format, CancellationToken cancellationToken)
    {
        var voice = await new VoiceProcessor(_options).ProcessAsync(path, format, path + ".m4a", cancellationToken);
        await using var content = File.OpenRead(voice.Path);
        var media = described with { Mime = voice.Mime, Bytes = content.Length, DurationMs = voice.DurationMs };
        await store.SaveAsync(media, content, null, cancellationToken);
        return await store.FindAsync(media.MediaId, cancellationToken) ?? media;
    }
}
