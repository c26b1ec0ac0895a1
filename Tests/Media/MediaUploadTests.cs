using System.Net;
using System.Text;
using OrleansChat.Tests.Infrastructure;
using SkiaSharp;

namespace OrleansChat.Tests.Media;

/// <summary><c>POST /api/media</c> over a real Kestrel: what is accepted, what is measured, and every refused input.</summary>
[Collection(MediaGatewayGroup.Name)]
public sealed class MediaUploadTests(MediaGatewayFixture media)
{
    [Fact]
    public async Task A_jpeg_is_reencoded_with_measured_dimensions_and_a_thumbnail()
    {
        var token = await media.Server.LoginAsync(GatewayServer.UniqueName("alice"));

        var answer = await media.UploadOkAsync(token, MediaSamples.Jpeg(1200, 600), "photo.jpg");

        Assert.Equal("image", answer.GetProperty("kind").GetString());
        Assert.Equal("image/jpeg", answer.GetProperty("mime").GetString());
        Assert.Equal(1200, answer.GetProperty("width").GetInt32());
        Assert.Equal(600, answer.GetProperty("height").GetInt32());
        using var thumbnail = await media.GetAsync(answer.GetProperty("thumbnail").GetString()!);
        Assert.Equal(HttpStatusCode.OK, thumbnail.StatusCode);
        using var decoded = SKBitmap.Decode(await thumbnail.Content.ReadAsByteArrayAsync());
        Assert.Equal((360, 180), (decoded.Width, decoded.Height));
    }

    [Fact]
    public async Task Gps_exif_is_stripped_and_the_orientation_applied()
    {
        var token = await media.Server.LoginAsync(GatewayServer.UniqueName("alice"));
        var upload = MediaSamples.JpegWithGpsExif(40, 20);
        Assert.Contains("GPS-SECRET-LOCATION", Encoding.ASCII.GetString(upload), StringComparison.Ordinal);

        var answer = await media.UploadOkAsync(token, upload, "photo.jpg");

        Assert.Equal((20, 40), (answer.GetProperty("width").GetInt32(), answer.GetProperty("height").GetInt32()));
        using var response = await media.GetAsync(answer.GetProperty("url").GetString()!);
        var stored = await response.Content.ReadAsByteArrayAsync();
        var text = Encoding.ASCII.GetString(stored);
        Assert.DoesNotContain("GPS-SECRET-LOCATION", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Exif\0\0", text, StringComparison.Ordinal);
        using var codec = SKCodec.Create(new MemoryStream(stored));
        Assert.Equal(SKEncodedOrigin.TopLeft, codec.EncodedOrigin);
        Assert.Equal((20, 40), (codec.Info.Width, codec.Info.Height));
    }

    [Theory]
    [InlineData("png")]
    [InlineData("webp")]
    [InlineData("gif")]
    public async Task Other_image_formats_are_accepted(string format)
    {
        var token = await media.Server.LoginAsync(GatewayServer.UniqueName("alice"));
        var bytes = format switch
        {
            "png" => MediaSamples.Png(30, 20),
            "webp" => MediaSamples.Image(30, 20, SKEncodedImageFormat.Webp),
            _ => MediaSamples.Gif,
        };

        var answer = await media.UploadOkAsync(token, bytes, "picture." + format);

        Assert.Equal(format == "webp" ? "image/webp" : "image/png", answer.GetProperty("mime").GetString());
        Assert.True(answer.GetProperty("width").GetInt32() > 0);
    }

    [Theory]
    [InlineData("webm", "libopus")]
    [InlineData("ogg", "libopus")]
    [InlineData("mp3", "libmp3lame")]
    [InlineData("adts", "aac")]
    [InlineData("ipod", "aac")]
    public async Task Voice_is_transcoded_to_m4a_with_its_duration_measured(string container, string codec)
    {
        var token = await media.Server.LoginAsync(GatewayServer.UniqueName("alice"));

        var answer = await media.UploadOkAsync(token, MediaSamples.Encoded(container, codec, 2), "voice");

        Assert.Equal("audio", answer.GetProperty("kind").GetString());
        Assert.Equal("audio/mp4", answer.GetProperty("mime").GetString());
        Assert.InRange(answer.GetProperty("durationMs").GetInt32(), 1900, 2200);
        using var stored = await media.GetAsync(answer.GetProperty("url").GetString()!);
        var head = await stored.Content.ReadAsByteArrayAsync();
        Assert.Equal("ftyp", Encoding.ASCII.GetString(head, 4, 4));
    }

    [Fact]
    public async Task A_wav_is_accepted_and_the_same_bytes_twice_are_one_item_per_uploader()
    {
        var (alice, bob) = (await media.Server.LoginAsync(GatewayServer.UniqueName("alice")), await media.Server.LoginAsync(GatewayServer.UniqueName("bob")));
        var wav = MediaSamples.Wav(1.5);

        var first = await media.UploadOkAsync(alice, wav, "voice.wav");
        var again = await media.UploadOkAsync(alice, wav, "voice.wav");
        var other = await media.UploadOkAsync(bob, wav, "voice.wav");

        Assert.InRange(first.GetProperty("durationMs").GetInt32(), 1440, 1560);
        Assert.Equal(first.GetProperty("mediaId").GetString(), again.GetProperty("mediaId").GetString());
        Assert.NotEqual(first.GetProperty("mediaId").GetString(), other.GetProperty("mediaId").GetString());
    }

    /// <summary>Each refused input by name (built in the test: theory data is serialized, and some inputs are megabytes).</summary>
    private static (byte[] Content, string FileName) RefusedInput(string what)
    {
        var png = MediaSamples.Png(20, 20);
        var jpeg = MediaSamples.Jpeg(20, 20);
        var wav = MediaSamples.Wav(1);
        return what switch
        {
            "plain text" => ("hello, not media at all"u8.ToArray(), "note.txt"),
            "an HTML page named .jpg" => ("<!doctype html><script>alert(1)</script>"u8.ToArray(), "photo.jpg"),
            "PNG bytes named .mp3" => (png, "voice.mp3"),
            "WAV bytes named .png" => (wav, "picture.png"),
            "a PNG with a ZIP appended (polyglot)" => ([.. png, .. "PK\u0003\u0004zip-payload"u8.ToArray()], "a.png"),
            "a JPEG with HTML appended (polyglot)" => ([.. jpeg, .. "<html><script>x()</script></html>"u8.ToArray()], "a.jpg"),
            "a truncated PNG" => (png[..(png.Length / 2)], "a.png"),
            "a truncated JPEG" => (jpeg[..(jpeg.Length - 10)], "a.jpg"),
            "a truncated WAV" => (wav[..(wav.Length / 2)], "a.wav"),
            "a decompression bomb header (30000 x 30000)" => (MediaSamples.PngClaiming(30_000, 30_000), "bomb.png"),
            "an image wider than 8000 px" => (MediaSamples.PngClaiming(8_001, 10), "wide.png"),
            "an image over 10 MB" => ([.. jpeg[..4], .. new byte[(10 * 1024 * 1024) + 1]], "big.jpg"),
            "a voice message over 2 MB" => ([.. wav[..44], .. new byte[2 * 1024 * 1024]], "long.wav"),
            "a voice message over 60 s" => (MediaSamples.Wav(61), "long.wav"),
            _ => throw new ArgumentOutOfRangeException(nameof(what), what, null),
        };
    }

    [Theory]
    [InlineData("plain text", 415)]
    [InlineData("an HTML page named .jpg", 415)]
    [InlineData("PNG bytes named .mp3", 415)]
    [InlineData("WAV bytes named .png", 415)]
    [InlineData("a PNG with a ZIP appended (polyglot)", 400)]
    [InlineData("a JPEG with HTML appended (polyglot)", 400)]
    [InlineData("a truncated PNG", 400)]
    [InlineData("a truncated JPEG", 400)]
    [InlineData("a truncated WAV", 400)]
    [InlineData("a decompression bomb header (30000 x 30000)", 413)]
    [InlineData("an image wider than 8000 px", 413)]
    [InlineData("an image over 10 MB", 413)]
    [InlineData("a voice message over 2 MB", 413)]
    [InlineData("a voice message over 60 s", 413)]
    public async Task Refused_inputs_store_nothing(string what, int status)
    {
        var token = await media.Server.LoginAsync(GatewayServer.UniqueName("mallory"));
        var (content, fileName) = RefusedInput(what);
        var before = media.StoredItems();

        using var response = await media.UploadAsync(token, content, fileName);

        var body = await response.Content.ReadAsStringAsync();
        Assert.True(status == (int)response.StatusCode, $"{what}: expected {status}, got {(int)response.StatusCode} {body}");
        Assert.Contains("\"message\"", body, StringComparison.Ordinal);
        Assert.Equal(before, media.StoredItems());
    }

    [Fact]
    public async Task A_part_type_that_claims_audio_for_an_image_is_refused()
    {
        var token = await media.Server.LoginAsync(GatewayServer.UniqueName("mallory"));

        using var response = await media.UploadAsync(token, MediaSamples.Png(10, 10), "blob", "audio/mpeg");

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
    }

    [Fact]
    public async Task Uploads_need_a_token_and_a_multipart_file()
    {
        var token = await media.Server.LoginAsync(GatewayServer.UniqueName("alice"));
        using var anonymous = await media.Server.Http.PostAsync("/api/media", new ByteArrayContent(MediaSamples.Png(10, 10)));
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);

        using var raw = new HttpRequestMessage(HttpMethod.Post, "/api/media") { Content = new ByteArrayContent(MediaSamples.Png(10, 10)) };
        raw.Headers.Authorization = new("Bearer", token);
        using var notMultipart = await media.Server.Http.SendAsync(raw);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, notMultipart.StatusCode);

        using var form = new MultipartFormDataContent { { new StringContent("x"), "field" } };
        using var noFile = new HttpRequestMessage(HttpMethod.Post, "/api/media") { Content = form };
        noFile.Headers.Authorization = new("Bearer", token);
        using var refused = await media.Server.Http.SendAsync(noFile);
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
    }
}
