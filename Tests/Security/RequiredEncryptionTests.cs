using System.Net.WebSockets;
using OrleansChat.Tests.Infrastructure;

namespace OrleansChat.Tests.Security;

/// <summary>Security:Encryption = Required: nothing but a hello is accepted first, and nothing leaves in plaintext.</summary>
[Collection(RequiredEncryptionGroup.Name)]
public sealed class RequiredEncryptionTests(RequiredEncryptionFixture fixture)
{
    private readonly GatewayServer _server = fixture.Server;

    [Fact]
    public async Task A_plaintext_first_frame_closes_with_1008_and_nothing_was_sent_in_the_clear()
    {
        await using var client = await ChatClient.ConnectAsync(_server.WebSocketUri(await _server.LoginAsync(GatewayServer.UniqueName("plain"))));

        await client.SendAsync(new { type = "ping", id = "p1" });

        Assert.Equal(WebSocketCloseStatus.PolicyViolation, await client.Closed.WaitAsync(Eventually.DefaultTimeout));
        Assert.Empty(client.Received);
    }

    [Fact]
    public async Task The_hello_reply_comes_first_and_the_welcome_after_it_both_encrypted()
    {
        var userId = GatewayServer.UniqueName("enc");
        var (client, cipher) = await ClientSessionCipher.ConnectAsync(_server, await _server.LoginAsync(userId));
        await using var _ = client;
        using var __ = cipher;

        var welcome = await client.WaitForAsync(f => f.Type == "welcome");
        Assert.Equal(userId, welcome.Json.GetProperty("user").GetProperty("id").GetString());
        Assert.Equal(["hello", "welcome"], client.Received.Take(2).Select(f => f.Type));

        await cipher.SendAsync(client, new { type = "ping", id = "p1" });
        Assert.Equal("pong", (await client.WaitForAsync(f => f.Re == "p1")).Type);
    }
}
