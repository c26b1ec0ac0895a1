using OrleansChat.Tests.EndToEnd;
using OrleansChat.Tests.Infrastructure;

namespace OrleansChat.Tests.Security;

/// <summary>Security:Encryption = Off (the default gateway): a hello is refused and the session stays plaintext.</summary>
[Collection(GatewayGroup.Name)]
public sealed class EncryptionOffTests(GatewayFixture fixture)
{
    private readonly GatewayServer _server = fixture.Server;

    [Fact]
    public async Task A_hello_gets_bad_request_and_the_connection_stays_plaintext()
    {
        using var cipher = await ClientSessionCipher.CreateAsync(_server.Http);
        await using var client = await _server.ConnectAsync(GatewayServer.UniqueName("off"));

        await client.SendRawAsync(cipher.Hello);
        var refused = await client.WaitForAsync(f => f.Type == "error");
        Assert.Equal("bad_request", refused.Str("code"));

        var pong = await client.AckedAsync(id => new { type = "ping", id });
        Assert.Equal("pong", pong.Type);
        Assert.Equal(0, client.Count(f => f.Type == "binary"));
    }
}
