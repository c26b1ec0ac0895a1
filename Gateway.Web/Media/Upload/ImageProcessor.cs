using SkiaSharp;

namespace OrleansChat.Gateway.Media.Upload;

/// <summary>An image as it will be stored: re-encoded bytes, its thumbnail, and the dimensions of the decoded pixels.</summary>
public sealed record ProcessedImage(byte[] Content, string Mime, byte[] Thumbnail, string ThumbnailMime, int Width, int Height);

/// <summary>
/// Re-encodes an uploaded image with SkiaSharp: the header's dimensions are checked before any pixel is decoded (a
/// decompression bomb is refused for the memory it would take, not after), the whole image must decode, the EXIF
/// orientation is applied to the pixels, and only the pixels are encoded again, so EXIF (GPS included), XMP, ICC and
/// comments never reach the store or other users. A GIF keeps its first frame, as PNG (Skia does not encode GIF).
/// </summary>
public sealed class ImageProcessor(MediaOptions options)
{
    private const int Quality = 85;

    public ProcessedImage Process(string path, MediaFormat format)
    {
        using var codec = SKCodec.Create(path, out var opened)
            ?? throw MediaRefusedException.Invalid($"the {MediaFormats.Describe(format)} image cannot be read ({opened})");
        var (width, height) = (codec.Info.Width, codec.Info.Height);
        if (width > options.MaxImageDimension || height > options.MaxImageDimension)
        {
            throw MediaRefusedException.TooLarge($"the image is {width}x{height} pixels; at most {options.MaxImageDimension} a side");
        }

        if (width < 1 || height < 1)
        {
            throw MediaRefusedException.Invalid("the image has no pixels");
        }

        using var decoded = Decode(codec, format);
        using var oriented = Orient(decoded, codec.EncodedOrigin);
        var (encoding, mime) = OutputFormat(format);
        var content = Encode(oriented, encoding);
        using var thumbnail = Shrink(oriented, options.ThumbnailSize);
        var (thumbEncoding, thumbMime) = format == MediaFormat.Jpeg ? (SKEncodedImageFormat.Jpeg, "image/jpeg") : (SKEncodedImageFormat.Png, "image/png");
        return new ProcessedImage(content, mime, Encode(thumbnail, thumbEncoding), thumbMime, oriented.Width, oriented.Height);
    }

    private static SKBitmap Decode(SKCodec codec, MediaFormat format)
    {
        var info = new SKImageInfo(codec.Info.Width, codec.Info.Height, SKColorType.Rgba8888, SKAlphaType.Premul);
        var bitmap = new SKBitmap(info);
        var result = codec.GetPixels(info, bitmap.GetPixels());
        if (result == SKCodecResult.Success)
        {
            return bitmap;
        }

        bitmap.Dispose();
        throw MediaRefusedException.Invalid(result == SKCodecResult.IncompleteInput
            ? $"the {MediaFormats.Describe(format)} image is truncated"
            : $"the {MediaFormats.Describe(format)} image does not decode ({result})");
    }

    private static (SKEncodedImageFormat Encoding, string Mime) OutputFormat(MediaFormat format) => format switch
    {
        MediaFormat.Jpeg => (SKEncodedImageFormat.Jpeg, "image/jpeg"),
        MediaFormat.WebP => (SKEncodedImageFormat.Webp, "image/webp"),
        _ => (SKEncodedImageFormat.Png, "image/png"),
    };

    private static byte[] Encode(SKBitmap bitmap, SKEncodedImageFormat format)
    {
        using var data = bitmap.Encode(format, Quality) ?? throw new InvalidOperationException($"SkiaSharp could not encode {format}");
        return data.ToArray();
    }

    private static SKBitmap Shrink(SKBitmap source, int longSide)
    {
        var scale = Math.Min(1.0, (double)longSide / Math.Max(source.Width, source.Height));
        var size = new SKSizeI(Math.Max(1, (int)Math.Round(source.Width * scale)), Math.Max(1, (int)Math.Round(source.Height * scale)));
        return source.Resize(size, new SKSamplingOptions(SKCubicResampler.Mitchell))
            ?? throw new InvalidOperationException("SkiaSharp could not resize the image");
    }

    /// <summary>
    /// Draws the pixels the way the EXIF orientation says they are meant to be seen. Each case maps a source point
    /// (x, y) of a w x h image to where it belongs; canvas calls apply to points last-called first.
    /// </summary>
    private static SKBitmap Orient(SKBitmap source, SKEncodedOrigin origin)
    {
        var (w, h) = (source.Width, source.Height);
        var swapsSides = origin is SKEncodedOrigin.LeftTop or SKEncodedOrigin.RightTop or SKEncodedOrigin.RightBottom or SKEncodedOrigin.LeftBottom;
        var result = new SKBitmap(new SKImageInfo(swapsSides ? h : w, swapsSides ? w : h, SKColorType.Rgba8888, SKAlphaType.Premul));
        using var canvas = new SKCanvas(result);
        switch (origin)
        {
            case SKEncodedOrigin.TopRight: // mirrored: (w - x, y)
                canvas.Translate(w, 0);
                canvas.Scale(-1, 1);
                break;
            case SKEncodedOrigin.BottomRight: // upside down: (w - x, h - y)
                canvas.Translate(w, h);
                canvas.RotateDegrees(180);
                break;
            case SKEncodedOrigin.BottomLeft: // flipped: (x, h - y)
                canvas.Translate(0, h);
                canvas.Scale(1, -1);
                break;
            case SKEncodedOrigin.LeftTop: // transposed: (y, x)
                canvas.Scale(-1, 1);
                canvas.RotateDegrees(90);
                break;
            case SKEncodedOrigin.RightTop: // turned a quarter clockwise: (h - y, x)
                canvas.Translate(h, 0);
                canvas.RotateDegrees(90);
                break;
            case SKEncodedOrigin.RightBottom: // transversed: (h - y, w - x)
                canvas.Translate(h, w);
                canvas.RotateDegrees(90);
                canvas.Scale(-1, 1);
                break;
            case SKEncodedOrigin.LeftBottom: // turned a quarter anticlockwise: (y, w - x)
                canvas.Translate(0, w);
                canvas.RotateDegrees(-90);
                break;
        }

        canvas.DrawBitmap(source, 0, 0, new SKSamplingOptions(SKFilterMode.Nearest), null);
        return result;
    }
}
