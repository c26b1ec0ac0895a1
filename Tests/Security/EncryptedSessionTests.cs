using System.Buffers.Text;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text.Json;
using OrleansChat.Tests.Infrastructure;

namespace OrleansChat.Tests.Security;

/// <summary>
/// Encrypted sessions (Security:Encryption = Optional) with a client that does its own crypto
/// (<see cref="ClientSessionCipher"/>): chat round trip, and 1008 for replayed, reordered, tampered or plaintext frames.
/// </summary>
[Collection(SecureGatewayGroup.Name)]
public sealed class EncryptedSessionTests(SecureGatewayFixture fixture)
{
    private readonly GatewayServer _server = fixture.Server;

    [Fact]
    public async Task The_published_key_is_rsa_2048_or_more_with_matching_spki_and_jwk()
    {
        using var key = JsonDocument.Parse(await _server.Http.GetStringAsync(new Uri("/api/crypto/key", UriKind.Relative)));
        var root = key.RootElement;
        using var rsa = RSA.Create();
        rsa.ImportSubjectPublicKeyInfo(Convert.FromBase64String(root.GetProperty("spki").GetString()!), out _);
        var modulus = rsa.ExportParameters(false).Modulus!;

        Assert.True(rsa.KeySize >= 2048);
        Assert.Equal("RSA-OAEP-256", root.GetProperty("alg").GetString());
        Assert.Equal(root.GetProperty("keyId").GetString(), root.GetProperty("jwk").GetProperty("kid").GetString());
        Assert.Equal("RSA", root.GetProperty("jwk").GetProperty("kty").GetString());
        Assert.Equal(Base64Url.EncodeToString(modulus), root.GetProperty("jwk").GetProperty("n").GetString());
    }

    [Fact]
    public async Task An_encrypted_client_chats_with_a_plaintext_one_in_both_directions()
    {
        var room = GatewayServer.UniqueName("enc");
        var (aliceId, bobId) = (GatewayServer.UniqueName("alice"), GatewayServer.UniqueName("bob"));
        var (alice, cipher) = await ClientSessionCipher.ConnectAsync(_server, await _server.LoginAsync(aliceId, "Alice"));
        await using var _ = alice;
        using var __ = cipher;
        await using var bob = await _server.ConnectAsync(bobId, "Bob");

        await cipher.SendAsync(alice, new { type = "room.join", id = "j1", room });
        await alice.WaitForAsync(f => f.Re == "j1" && f.Type == "ack");
        await bob.AckedAsync(id => new { type = "room.join", id, room });

        await cipher.SendAsync(alice, new { type = "room.send", id = "s1", room, body = new { kind = "text", text = "secret hello" } });
        var atBob = await bob.WaitForAsync(f => f.Type == "room.message" && f.Has("id") && f.Str("id") == "s1");
        Assert.Equal("secret hello", atBob.Json.GetProperty("body").GetProperty("text").GetString());
        Assert.Equal(aliceId, atBob.Json.GetProperty("from").GetProperty("id").GetString());

        await bob.AckedAsync(id => new { type = "room.send", id, room, body = new { kind = "text", text = "hi back" } });
        var atAlice = await alice.WaitForAsync(f => f.Type == "room.message" && f.Json.GetProperty("body").GetProperty("text").GetString() == "hi back");
        Assert.Equal(bobId, atAlice.Json.GetProperty("from").GetProperty("id").GetString());
        Assert.Equal(0, alice.Count(f => f.Type is "binary" or "undecryptable"));
    }

    [Fact]
    public Task A_replayed_frame_closes_with_1008() => AssertClosesWith1008Async(async (client, cipher) =>
    {
        var ping = cipher.Seal(new { type = "ping", id = "p1" });
        await client.SendBytesAsync(ping, WebSocketMessageType.Binary);
        await client.WaitForAsync(f => f.Re == "p1" && f.Type == "pong");
        await client.SendBytesAsync(ping, WebSocketMessageType.Binary);
    });

    [Fact]
    public Task A_reordered_frame_closes_with_1008() => AssertClosesWith1008Async(async (client, cipher) =>
    {
        _ = cipher.Seal(new { type = "ping", id = "skipped" });
        await client.SendBytesAsync(cipher.Seal(new { type = "ping", id = "p2" }), WebSocketMessageType.Binary);
    });

    [Fact]
    public Task A_tampered_frame_closes_with_1008() => AssertClosesWith1008Async(async (client, cipher) =>
    {
        var frame = cipher.Seal(new { type = "ping", id = "p2" });
        frame[10] ^= 0x01; // a ciphertext byte; the counter (bytes 0-7) stays right
        await client.SendBytesAsync(frame, WebSocketMessageType.Binary);
    });

    [Fact]
    public Task A_plaintext_frame_inside_an_encrypted_session_closes_with_1008() =>
        AssertClosesWith1008Async((client, _) => client.SendAsync(new { type = "ping", id = "p2" }));

    [Fact]
    public async Task A_hello_with_an_unknown_key_id_closes_with_1008()
    {
        using var cipher = await ClientSessionCipher.CreateAsync(_server.Http, keyIdOverride: "no-such-key");
        await using var client = await ChatClient.ConnectAsync(_server.WebSocketUri(await _server.LoginAsync(GatewayServer.UniqueName("badkey"))));

        await client.SendRawAsync(cipher.Hello);

        Assert.Equal(WebSocketCloseStatus.PolicyViolation, await client.Closed.WaitAsync(Eventually.DefaultTimeout));
    }

    [Fact]
    public async Task Optional_mode_still_serves_plaintext_clients()
    {
        await using var client = await _server.ConnectAsync(GatewayServer.UniqueName("plain"));

        var pong = await client.AckedAsync(id => new { type = "ping", id });

        Assert.Equal("pong", pong.Type);
    }

    /// <summary>Opens an encrypted session, commits the violation, and expects 1008 with frame "p2" never answered.</summary>
    private async Task AssertClosesWith1008Async(Func<ChatClient, ClientSessionCipher, Task> violate)
    {
        var (client, cipher) = await ClientSessionCipher.ConnectAsync(_server, await _server.LoginAsync(GatewayServer.UniqueName("enc")));
        await using var _ = client;
        using var __ = cipher;

        await violate(client, cipher);

        Assert.Equal(WebSocketCloseStatus.PolicyViolation, await client.Closed.WaitAsync(Eventually.DefaultTimeout));
        Assert.Equal(0, client.Count(f => f.Re == "p2"));
    }
}
