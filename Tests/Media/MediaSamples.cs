using System.Buffers.Binary;
using System.Diagnostics;
using System.IO.Hashing;
using System.Text;
using SkiaSharp;

namespace OrleansChat.Tests.Media;

/// <summary>Real media files for upload tests: images drawn and encoded by SkiaSharp, voice made by ffmpeg or by hand.</summary>
internal static class MediaSamples
{
    /// <summary>The classic 1x1 GIF89a.</summary>
    public static readonly byte[] Gif = Convert.FromBase64String("R0lGODlhAQABAIAAAP///wAAACH5BAEAAAAALAAAAAABAAEAAAICRAEAOw==");

    public static byte[] Image(int width, int height, SKEncodedImageFormat format)
    {
        using var bitmap = new SKBitmap(width, height);
        using (var canvas = new SKCanvas(bitmap))
        {
            canvas.Clear(SKColors.CornflowerBlue);
            using var paint = new SKPaint { Color = SKColors.OrangeRed };
            canvas.DrawRect(0, 0, width / 2f, height / 2f, paint); // a marked corner, so orientation is visible
        }

        using var data = bitmap.Encode(format, 90);
        return data.ToArray();
    }

    public static byte[] Jpeg(int width, int height) => Image(width, height, SKEncodedImageFormat.Jpeg);

    public static byte[] Png(int width, int height) => Image(width, height, SKEncodedImageFormat.Png);

    /// <summary>
    /// A JPEG with an EXIF APP1 segment right after SOI: IFD0 with Orientation 6 (turn a quarter clockwise to view) and a
    /// GPS IFD holding GPSLatitudeRef "N" and the marker text "GPS-SECRET-LOCATION".
    /// </summary>
    public static byte[] JpegWithGpsExif(int width, int height)
    {
        var tiff = new List<byte>();
        tiff.AddRange("II*\0"u8.ToArray());
        tiff.AddRange(Le32(8));
        // IFD0 at 8: two entries, then the next-IFD offset.
        tiff.AddRange(Le16(2));
        tiff.AddRange(Entry(0x0112, 3, 1, 6)); // Orientation: SHORT 6
        tiff.AddRange(Entry(0x8825, 4, 1, 38)); // GPS IFD pointer
        tiff.AddRange(Le32(0));
        // GPS IFD at 38: GPSLatitudeRef "N", and GPSProcessingMethod pointing at the marker text.
        var secret = Encoding.ASCII.GetBytes("GPS-SECRET-LOCATION\0");
        tiff.AddRange(Le16(2));
        tiff.AddRange(Entry(0x0001, 2, 2, 'N'));
        tiff.AddRange(Entry(0x001B, 7, (uint)secret.Length, 38 + 2 + 24 + 4));
        tiff.AddRange(Le32(0));
        tiff.AddRange(secret);

        var exif = "Exif\0\0"u8.ToArray().Concat(tiff).ToArray();
        var segment = new List<byte> { 0xFF, 0xE1 };
        segment.AddRange(Be16(exif.Length + 2));
        segment.AddRange(exif);
        var jpeg = Jpeg(width, height);
        return [.. jpeg.Take(2), .. segment, .. jpeg.Skip(2)];
    }

    /// <summary>A valid small PNG whose IHDR (CRC fixed up) claims <paramref name="width"/> x <paramref name="height"/>: a decompression bomb's header.</summary>
    public static byte[] PngClaiming(int width, int height)
    {
        var png = Png(8, 8);
        BinaryPrimitives.WriteInt32BigEndian(png.AsSpan(16), width);
        BinaryPrimitives.WriteInt32BigEndian(png.AsSpan(20), height);
        var crc = Crc32.HashToUInt32(png.AsSpan(12, 17)); // "IHDR" + 13 data bytes
        BinaryPrimitives.WriteUInt32BigEndian(png.AsSpan(29), crc);
        return png;
    }

    /// <summary>PCM WAV, 8 kHz mono 16-bit, of a 440 Hz tone.</summary>
    public static byte[] Wav(double seconds)
    {
        const int rate = 8000;
        var samples = (int)(seconds * rate);
        using var stream = new MemoryStream();
        using var writer = new BinaryWriter(stream);
        writer.Write("RIFF"u8);
        writer.Write(36 + (samples * 2));
        writer.Write("WAVEfmt "u8);
        writer.Write(16);
        writer.Write((short)1);
        writer.Write((short)1);
        writer.Write(rate);
        writer.Write(rate * 2);
        writer.Write((short)2);
        writer.Write((short)16);
        writer.Write("data"u8);
        writer.Write(samples * 2);
        for (var i = 0; i < samples; i++)
        {
            writer.Write((short)(Math.Sin(2 * Math.PI * 440 * i / rate) * 8000));
        }

        writer.Flush();
        return stream.ToArray();
    }

    /// <summary>A tone of <paramref name="seconds"/> encoded by ffmpeg with <paramref name="codec"/> into container <paramref name="format"/>.</summary>
    public static byte[] Encoded(string format, string codec, double seconds)
    {
        var output = Path.Combine(Path.GetTempPath(), $"sample-{Guid.NewGuid():N}.{format}");
        try
        {
            var start = new ProcessStartInfo("ffmpeg") { RedirectStandardError = true, RedirectStandardOutput = true };
            foreach (var argument in new[] { "-nostdin", "-v", "error", "-f", "lavfi", "-i", $"sine=frequency=440:duration={seconds}", "-c:a", codec, "-f", format, "-y", output })
            {
                start.ArgumentList.Add(argument);
            }

            using var process = Process.Start(start)!;
            var errors = process.StandardError.ReadToEnd();
            process.WaitForExit();
            return process.ExitCode == 0 ? File.ReadAllBytes(output) : throw new InvalidOperationException($"ffmpeg failed: {errors}");
        }
        finally
        {
            File.Delete(output);
        }
    }

    private static byte[] Entry(ushort tag, ushort type, uint count, uint value) => [.. Le16(tag), .. Le16(type), .. Le32(count), .. Le32(value)];

    private static byte[] Le16(int value) => [(byte)value, (byte)(value >> 8)];

    private static byte[] Le32(uint value) => [(byte)value, (byte)(value >> 8), (byte)(value >> 16), (byte)(value >> 24)];

    private static byte[] Be16(int value) => [(byte)(value >> 8), (byte)value];
}
