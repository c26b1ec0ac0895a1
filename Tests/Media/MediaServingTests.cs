using System.Net;
using System.Net.Http.Headers;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using OrleansChat.Gateway.Media;
using OrleansChat.Model;
using OrleansChat.Tests.Infrastructure;

namespace OrleansChat.Tests.Media;

/// <summary>
/// Media in messages and <c>GET /api/media/{id}</c> over a real Kestrel and cluster: who may fetch, signed URLs, Range,
/// ETag, and the bodies the server fills in.
/// </summary>
[Collection(MediaGatewayGroup.Name)]
public sealed class MediaServingTests(MediaGatewayFixture media)
{
    [Fact]
    public async Task A_room_image_reaches_members_signed_and_outsiders_get_403()
    {
        var room = GatewayServer.UniqueName("pics");
        var (aliceId, bobId, carolId) = (GatewayServer.UniqueName("alice"), GatewayServer.UniqueName("bob"), GatewayServer.UniqueName("carol"));
        var (aliceToken, bobToken, carolToken) = (await media.Server.LoginAsync(aliceId), await media.Server.LoginAsync(bobId), await media.Server.LoginAsync(carolId));
        await using var alice = await media.Server.ConnectWithTokenAsync(aliceToken);
        await using var bob = await media.Server.ConnectWithTokenAsync(bobToken);
        await alice.AckedAsync(id => new { type = "room.join", id, room });
        await bob.AckedAsync(id => new { type = "room.join", id, room });
        var upload = await media.UploadOkAsync(aliceToken, MediaSamples.Jpeg(800, 400), "photo.jpg");
        var mediaId = upload.GetProperty("mediaId").GetString()!;

        await alice.AckedAsync(id => new { type = "room.send", id, room, body = new { kind = "image", mediaId } });

        var body = (await bob.WaitForAsync(f => f.Type == "room.message")).Json.GetProperty("body");
        Assert.Equal(mediaId, body.GetProperty("mediaId").GetString());
        Assert.Equal((800, 400), (body.GetProperty("width").GetInt32(), body.GetProperty("height").GetInt32()));
        using (var signed = await media.GetAsync(body.GetProperty("url").GetString()!))
        {
            Assert.Equal(HttpStatusCode.OK, signed.StatusCode);
            Assert.Equal("image/jpeg", signed.Content.Headers.ContentType!.MediaType);
        }

        using (var thumb = await media.GetAsync(body.GetProperty("thumbUrl").GetString()!))
        {
            Assert.Equal(HttpStatusCode.OK, thumb.StatusCode);
        }

        using (var member = await media.GetAsync($"/api/media/{mediaId}", bobToken))
        {
            Assert.Equal(HttpStatusCode.OK, member.StatusCode);
        }

        using var outsider = await media.GetAsync($"/api/media/{mediaId}", carolToken);
        Assert.Equal(HttpStatusCode.Forbidden, outsider.StatusCode);
        using var nobody = await media.GetAsync($"/api/media/{mediaId}");
        Assert.Equal(HttpStatusCode.Unauthorized, nobody.StatusCode);
    }

    [Fact]
    public async Task Sending_someone_elses_media_id_is_forbidden()
    {
        var room = GatewayServer.UniqueName("pics");
        var (aliceToken, malloryToken) = (await media.Server.LoginAsync(GatewayServer.UniqueName("alice")), await media.Server.LoginAsync(GatewayServer.UniqueName("mallory")));
        var mediaId = (await media.UploadOkAsync(aliceToken, MediaSamples.Png(10, 10), "a.png")).GetProperty("mediaId").GetString()!;
        await using var mallory = await media.Server.ConnectWithTokenAsync(malloryToken);
        await mallory.AckedAsync(id => new { type = "room.join", id, room });

        var stolen = await mallory.RequestAsync(id => new { type = "room.send", id, room, body = new { kind = "image", mediaId } });
        var unknown = await mallory.RequestAsync(id => new { type = "room.send", id, room, body = new { kind = "audio", mediaId = "AAAAAAAAAAAAAAAAAAAAAA" } });
        var withUrl = await mallory.RequestAsync(id => new { type = "room.send", id, room, body = new { kind = "image", mediaId, url = "https://x.example/a.png" } });

        Assert.Equal("forbidden", stolen.Str("code"));
        Assert.Equal("forbidden", unknown.Str("code"));
        Assert.Equal("bad_request", withUrl.Str("code"));
    }

    [Fact]
    public async Task History_re_signs_and_a_dm_voice_message_plays_for_the_peer()
    {
        var (aliceId, bobId) = (GatewayServer.UniqueName("alice"), GatewayServer.UniqueName("bob"));
        var (aliceToken, bobToken) = (await media.Server.LoginAsync(aliceId), await media.Server.LoginAsync(bobId));
        await using var alice = await media.Server.ConnectWithTokenAsync(aliceToken);
        await using var bob = await media.Server.ConnectWithTokenAsync(bobToken);
        await alice.AckedAsync(id => new { type = "dm.request", id, to = bobId });
        await bob.AckedAsync(id => new { type = "dm.accept", id, from = aliceId });
        var mediaId = (await media.UploadOkAsync(aliceToken, MediaSamples.Wav(1), "v.wav")).GetProperty("mediaId").GetString()!;

        await alice.AckedAsync(id => new { type = "dm.send", id, to = bobId, body = new { kind = "audio", mediaId, durationMs = 999_999 } });

        var live = (await bob.WaitForAsync(f => f.Type == "dm.message")).Json.GetProperty("body");
        Assert.InRange(live.GetProperty("durationMs").GetInt32(), 940, 1060); // measured, not the client's number
        var history = await bob.AckedAsync(id => new { type = "history", id, conv = ConversationId.ForDm(aliceId, bobId) });
        var stored = history.Json.GetProperty("messages")[0].GetProperty("body");
        Assert.Equal(mediaId, stored.GetProperty("mediaId").GetString());
        using var played = await media.GetAsync(stored.GetProperty("url").GetString()!);
        Assert.Equal(HttpStatusCode.OK, played.StatusCode);
        Assert.Equal("audio/mp4", played.Content.Headers.ContentType!.MediaType);
        using var byToken = await media.GetAsync($"/api/media/{mediaId}", bobToken);
        Assert.Equal(HttpStatusCode.OK, byToken.StatusCode);
    }

    [Fact]
    public async Task Expired_and_tampered_signatures_get_403()
    {
        var token = await media.Server.LoginAsync(GatewayServer.UniqueName("alice"));
        var mediaId = (await media.UploadOkAsync(token, MediaSamples.Png(12, 12), "a.png")).GetProperty("mediaId").GetString()!;
        var past = new FakeTimeProvider(DateTimeOffset.UtcNow - TimeSpan.FromHours(3));
        var options = Options.Create(new MediaOptions
        {
            UrlSigningKeys = [new MediaUrlKey { Id = "k1", Secret = MediaGatewayFixture.SigningSecret }],
        });
        var expired = new MediaUrlSigner(options, past, NullLogger<MediaUrlSigner>.Instance).Sign(mediaId);
        var fresh = new MediaUrlSigner(options, TimeProvider.System, NullLogger<MediaUrlSigner>.Instance).Sign(mediaId);

        using var expiredResponse = await media.GetAsync(expired);
        using var tampered = await media.GetAsync(fresh.Replace("kid=k1", "kid=k2", StringComparison.Ordinal));
        using var otherId = await media.GetAsync(fresh.Replace(mediaId, "AAAAAAAAAAAAAAAAAAAAAA", StringComparison.Ordinal));
        using var ok = await media.GetAsync(fresh);

        Assert.Equal(HttpStatusCode.Forbidden, expiredResponse.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, tampered.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, otherId.StatusCode);
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
    }

    [Fact]
    public async Task Ranges_get_206_and_the_etag_304_with_long_lived_caching()
    {
        var token = await media.Server.LoginAsync(GatewayServer.UniqueName("alice"));
        var url = (await media.UploadOkAsync(token, MediaSamples.Wav(2), "v.wav")).GetProperty("url").GetString()!;
        using var whole = await media.GetAsync(url);
        var all = await whole.Content.ReadAsByteArrayAsync();

        using var range = await media.GetAsync(url, configure: r => r.Headers.Range = new RangeHeaderValue(100, 199));
        using var again = await media.GetAsync(url, configure: r => r.Headers.IfNoneMatch.Add(whole.Headers.ETag!));

        Assert.Equal(HttpStatusCode.PartialContent, range.StatusCode);
        Assert.Equal(all[100..200], await range.Content.ReadAsByteArrayAsync());
        Assert.Equal($"bytes 100-199/{all.Length}", range.Content.Headers.ContentRange!.ToString());
        Assert.Equal(HttpStatusCode.NotModified, again.StatusCode);
        Assert.Contains("immutable", whole.Headers.CacheControl!.ToString(), StringComparison.Ordinal);
        Assert.Equal("nosniff", whole.Headers.GetValues("X-Content-Type-Options").Single());
    }

}
