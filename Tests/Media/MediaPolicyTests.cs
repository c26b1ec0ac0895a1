using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OrleansChat.Gateway.Media;
using OrleansChat.Gateway.Media.Storage;
using OrleansChat.Model;
using OrleansChat.Tests.Infrastructure;
using SkiaSharp;

namespace OrleansChat.Tests.Media;

/// <summary>
/// A gateway with the media policies switched on, over a real Kestrel and cluster: bytes sealed at rest (Range still
/// works), uploads of recalled messages purged (retention zero), and a small per-user upload budget.
/// </summary>
public sealed class MediaPolicyTests(MediaPolicyFixture policy) : IClassFixture<MediaPolicyFixture>
{
    private GatewayServer Server => policy.Server;

    private string Folder => policy.DataFolder;

    [Fact]
    public async Task A_sealed_image_is_served_whole_and_by_range_and_is_not_on_disk_in_the_clear()
    {
        var token = await Server.LoginAsync(GatewayServer.UniqueName("alice"));
        using var upload = await UploadAsync(token, NoisyJpeg(400, 400));
        var body = await upload.Content.ReadAsStringAsync();
        Assert.True(upload.IsSuccessStatusCode, body);
        using var document = JsonDocument.Parse(body);
        var answer = document.RootElement;
        var (mediaId, url) = (answer.GetProperty("mediaId").GetString()!, answer.GetProperty("url").GetString()!);

        using var whole = await GetAsync(url);
        var all = await whole.Content.ReadAsByteArrayAsync();
        var from = MediaCipher.ChunkSize - 50; // a range across a chunk boundary
        using var range = await GetAsync(url, r => r.Headers.Range = new RangeHeaderValue(from, from + 99));

        Assert.True(all.Length > MediaCipher.ChunkSize + 100, $"the sample should span chunks ({all.Length} bytes)");
        Assert.Equal(answer.GetProperty("bytes").GetInt64(), all.Length);
        Assert.Equal(HttpStatusCode.PartialContent, range.StatusCode);
        Assert.Equal(all[from..(from + 100)], await range.Content.ReadAsByteArrayAsync());
        var raw = await File.ReadAllBytesAsync(Path.Combine(Folder, mediaId[..2], mediaId, "original"));
        Assert.Equal(MediaCipher.SealedLength(all.Length), raw.Length);
        Assert.True(raw.AsSpan().IndexOf(all.AsSpan(0, 32)) < 0 && raw.AsSpan().IndexOf(all.AsSpan(from, 32)) < 0, "served bytes found on disk");
    }

    [Fact]
    public async Task The_upload_of_a_recalled_message_is_purged_and_its_readers_lose_it_at_once()
    {
        var room = GatewayServer.UniqueName("pics");
        var conv = ConversationId.ForRoom(room);
        var (aliceToken, bobToken) = (await Server.LoginAsync(GatewayServer.UniqueName("alice")), await Server.LoginAsync(GatewayServer.UniqueName("bob")));
        await using var alice = await Server.ConnectWithTokenAsync(aliceToken);
        await using var bob = await Server.ConnectWithTokenAsync(bobToken);
        await alice.AckedAsync(id => new { type = "room.join", id, room });
        await bob.AckedAsync(id => new { type = "room.join", id, room });
        using var upload = await UploadAsync(aliceToken, MediaSamples.Png(40, 30));
        using var document = JsonDocument.Parse(await upload.Content.ReadAsStringAsync());
        var mediaId = document.RootElement.GetProperty("mediaId").GetString()!;
        var sent = await alice.AckedAsync(id => new { type = "room.send", id, room, body = new { kind = "image", mediaId } });
        using (var before = await GetAsync($"/api/media/{mediaId}", r => Bearer(r, bobToken)))
        {
            Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        }

        await alice.AckedAsync(id => new { type = "msg.recall", id, conv, seq = sent.Number("seq") });

        var store = Server.Services.GetRequiredService<IMediaStore>();
        Assert.Empty(await store.GetSharesAsync(mediaId));
        using (var member = await GetAsync($"/api/media/{mediaId}", r => Bearer(r, bobToken)))
        {
            Assert.Equal(HttpStatusCode.Forbidden, member.StatusCode);
        }

        var janitor = Server.Services.GetServices<IHostedService>().OfType<MediaJanitor>().Single();
        Assert.True(await janitor.SweepAsync(CancellationToken.None) >= 1);
        Assert.Null(await store.FindAsync(mediaId));
        Assert.False(Directory.Exists(Path.Combine(Folder, mediaId[..2], mediaId)));
    }

    [Fact]
    public async Task Uploads_beyond_the_burst_get_429_with_retry_after_and_other_users_are_not_held()
    {
        var (token, other) = (await Server.LoginAsync(GatewayServer.UniqueName("alice")), await Server.LoginAsync(GatewayServer.UniqueName("bob")));
        for (var i = 0; i < MediaPolicyFixture.Burst; i++)
        {
            using var allowed = await UploadAsync(token, MediaSamples.Png(10 + i, 10));
            Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        }

        using var refused = await UploadAsync(token, MediaSamples.Png(20, 20));
        using var someoneElse = await UploadAsync(other, MediaSamples.Png(20, 20));

        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        using var body = System.Text.Json.JsonDocument.Parse(await refused.Content.ReadAsStringAsync());
        Assert.Equal("rate_limited", body.RootElement.GetProperty("code").GetString());
        var retryAfter = refused.Headers.RetryAfter!.Delta!.Value.TotalSeconds;
        Assert.InRange(retryAfter, 1, 60);
        Assert.Equal(retryAfter * 1000, body.RootElement.GetProperty("retryAfterMs").GetInt64()); // for wx.uploadFile, which sees no headers
        Assert.Equal(HttpStatusCode.OK, someoneElse.StatusCode);
    }

    /// <summary>Random pixels: a JPEG that stays large after re-encoding, so it spans several sealed chunks.</summary>
    private static byte[] NoisyJpeg(int width, int height)
    {
        using var bitmap = new SKBitmap(width, height);
        var random = new Random(20);
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                bitmap.SetPixel(x, y, new SKColor((byte)random.Next(256), (byte)random.Next(256), (byte)random.Next(256)));
            }
        }

        using var data = bitmap.Encode(SKEncodedImageFormat.Jpeg, 95);
        return data.ToArray();
    }

    private static void Bearer(HttpRequestMessage request, string token) => request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);

    private async Task<HttpResponseMessage> UploadAsync(string token, byte[] content)
    {
        using var form = new MultipartFormDataContent();
        form.Add(new ByteArrayContent(content), "file", "picture");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/media") { Content = form };
        Bearer(request, token);
        return await Server.Http.SendAsync(request);
    }

    private async Task<HttpResponseMessage> GetAsync(string url, Action<HttpRequestMessage>? configure = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        configure?.Invoke(request);
        return await Server.Http.SendAsync(request);
    }
}
