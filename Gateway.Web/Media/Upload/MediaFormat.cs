using System.Buffers.Binary;
using OrleansChat.Gateway.Media.Storage;

namespace OrleansChat.Gateway.Media.Upload;

/// <summary>The upload formats accepted, told apart by their first bytes (never by name or Content-Type).</summary>
public enum MediaFormat
{
    Jpeg,
    Png,
    WebP,
    Gif,
    Adts,
    Mp3,
    M4a,
    Wav,
    Ogg,
    WebM,
}

public static class MediaFormats
{
    /// <summary>Bytes of the head enough to tell every format apart.</summary>
    public const int HeadLength = 16;

    public static MediaKind KindOf(MediaFormat format) => format <= MediaFormat.Gif ? MediaKind.Image : MediaKind.Audio;

    /// <summary>The format the head of a file starts with, or null for anything else (a 415).</summary>
    public static MediaFormat? Sniff(ReadOnlySpan<byte> head) => head switch
    {
        [0xFF, 0xD8, 0xFF, ..] => MediaFormat.Jpeg,
        [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A, ..] => MediaFormat.Png,
        [(byte)'G', (byte)'I', (byte)'F', (byte)'8', (byte)'7' or (byte)'9', (byte)'a', ..] => MediaFormat.Gif,
        [(byte)'R', (byte)'I', (byte)'F', (byte)'F', _, _, _, _, (byte)'W', (byte)'E', (byte)'B', (byte)'P', ..] => MediaFormat.WebP,
        [(byte)'R', (byte)'I', (byte)'F', (byte)'F', _, _, _, _, (byte)'W', (byte)'A', (byte)'V', (byte)'E', ..] => MediaFormat.Wav,
        [(byte)'O', (byte)'g', (byte)'g', (byte)'S', ..] => MediaFormat.Ogg,
        [0x1A, 0x45, 0xDF, 0xA3, ..] => MediaFormat.WebM,
        [_, _, _, _, (byte)'f', (byte)'t', (byte)'y', (byte)'p', ..] => MediaFormat.M4a,
        [(byte)'I', (byte)'D', (byte)'3', ..] => MediaFormat.Mp3,
        // ADTS: 12 sync bits, then MPEG-4/2 id, layer 00. MPEG audio layer III: 11 sync bits, layer 01.
        [0xFF, var b, ..] when (b & 0xF6) == 0xF0 => MediaFormat.Adts,
        [0xFF, var b, ..] when (b & 0xE0) == 0xE0 && (b & 0x06) == 0x02 => MediaFormat.Mp3,
        _ => null,
    };

    /// <summary>
    /// The format a file name's extension claims, or null when it claims nothing we know (browser blobs are named
    /// "blob", wx.uploadFile sends its temp names): a known extension that disagrees with the content is a lie.
    /// </summary>
    public static MediaKind? KindClaimedBy(string? fileName) => Path.GetExtension(fileName ?? "").ToLowerInvariant() switch
    {
        ".jpg" or ".jpeg" or ".png" or ".webp" or ".gif" => MediaKind.Image,
        ".aac" or ".mp3" or ".m4a" or ".wav" or ".ogg" or ".opus" or ".webm" or ".weba" => MediaKind.Audio,
        _ => null,
    };

    /// <summary>The kind a part's Content-Type claims (image/* or audio/*), or null for anything generic.</summary>
    public static MediaKind? KindClaimedByType(string? contentType) =>
        contentType is null ? null
        : contentType.StartsWith("image/", StringComparison.OrdinalIgnoreCase) ? MediaKind.Image
        : contentType.StartsWith("audio/", StringComparison.OrdinalIgnoreCase) ? MediaKind.Audio
        : null;

    public static string Describe(MediaFormat format) => format.ToString().ToUpperInvariant();

    /// <summary>
    /// Null when the file ends where its format says it ends, else what is wrong. Data after an image's end marker is how
    /// polyglots (an image that is also a ZIP, an HTML page, a script) are built; a missing end marker is a truncated file.
    /// </summary>
    public static string? EndProblem(MediaFormat format, ReadOnlySpan<byte> tail, long length, ReadOnlySpan<byte> head) => format switch
    {
        MediaFormat.Jpeg when !tail.EndsWith<byte>([0xFF, 0xD9]) => "the JPEG does not end with its end-of-image marker (truncated, or data appended after it)",
        MediaFormat.Png when !tail.EndsWith(PngEnd) => "the PNG does not end with its IEND chunk (truncated, or data appended after it)",
        MediaFormat.Gif when !tail.EndsWith<byte>([0x3B]) => "the GIF does not end with its trailer (truncated, or data appended after it)",
        MediaFormat.WebP or MediaFormat.Wav when RiffLength(head) != length =>
            $"the {Describe(format)} file is {length} bytes but its RIFF header says {RiffLength(head)} (truncated, or data appended after it)",
        _ => null,
    };

    private static ReadOnlySpan<byte> PngEnd => [0, 0, 0, 0, (byte)'I', (byte)'E', (byte)'N', (byte)'D', 0xAE, 0x42, 0x60, 0x82];

    /// <summary>The whole file's length a RIFF header states: the chunk size after "RIFF" plus those 8 bytes.</summary>
    private static long RiffLength(ReadOnlySpan<byte> head) => BinaryPrimitives.ReadUInt32LittleEndian(head[4..8]) + 8L;
}
