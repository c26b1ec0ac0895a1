using System.Net;
using System.Net.WebSockets;
using OrleansChat.Tests.Infrastructure;

namespace OrleansChat.Tests.EndToEnd;

[Collection(GatewayGroup.Name)]
public sealed class ConnectionTests(GatewayFixture fixture)
{
    private readonly GatewayServer _server = fixture.Server;

    [Fact]
    public async Task PingGetsPongWithTheServerTime()
    {
        await using var client = await _server.ConnectAsync(GatewayServer.UniqueName("pinger"));
        var before = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var pong = await client.RequestAsync(id => new { type = "ping", id });
        Assert.Equal("pong", pong.Type);
        Assert.InRange(pong.Number("ts"), before - 1000, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + 1000);
    }

    [Fact]
    public async Task TheWelcomeFrameNamesTheUserTheTokenNames()
    {
        var id = GatewayServer.UniqueName("me");
        await using var client = await _server.ConnectAsync(id, "Zhang San");
        var welcome = client.Received.Single(f => f.Type == "welcome");
        Assert.Equal(id, welcome.Json.GetProperty("user").GetProperty("id").GetString());
        Assert.Equal("Zhang San", welcome.Json.GetProperty("user").GetProperty("name").GetString());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("not-a-token")]
    [InlineData("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl")]
    public async Task AnUpgradeWithoutAValidTokenIsRefusedWith401(string? token)
    {
        var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        await Assert.ThrowsAsync<WebSocketException>(() => socket.ConnectAsync(_server.WebSocketUri(token), CancellationToken.None));
        Assert.Equal(HttpStatusCode.Unauthorized, socket.HttpStatusCode);
        socket.Dispose();
    }

    [Fact]
    public async Task ABearerHeaderIsAcceptedOnTheUpgrade()
    {
        var token = await _server.LoginAsync(GatewayServer.UniqueName("bearer"));
        await using var client = await ChatClient.ConnectAsync(_server.WebSocketUri(), configure: o => o.SetRequestHeader("Authorization", "Bearer " + token));
        await client.WaitForAsync(f => f.Type == "welcome");
    }

    [Theory]
    [InlineData("{\"openId\":\"bad id!\",\"name\":\"x\"}")]
    [InlineData("{\"openId\":\"ok\",\"name\":\"\"}")]
    [InlineData("{\"openId\":\"ok\",\"name\":\"x\",\"avatarUrl\":\"javascript:alert(1)\"}")]
    public async Task ABadLoginIsA400WithAReason(string body)
    {
        using var content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
        using var response = await _server.Http.PostAsync("/api/auth/login", content);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("bad_request", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
