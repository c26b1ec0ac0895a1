using System.Net;
using System.Net.WebSockets;
using OrleansChat.Tests.Infrastructure;

namespace OrleansChat.Tests.EndToEnd;

[Collection(GatewayGroup.Name)]
public sealed class ConnectionTests(GatewayFixture fixture)
{
    private readonly GatewayServer _server = fixture.Server;

    [Fact]
    public async Task Ping_gets_pong_with_the_server_time()
    {
        await using var client = await _server.ConnectAsync(GatewayServer.UniqueName("pinger"));
        var before = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var pong = await client.RequestAsync(id => new { type = "ping", id });
        Assert.Equal("pong", pong.Type);
        Assert.InRange(pong.Number("ts"), before - 1000, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + 1000);
    }

    [Fact]
    public async Task The_welcome_frame_names_the_user_the_token_names()
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
    public async Task An_upgrade_without_a_valid_token_is_refused_with_401(string? token)
    {
        var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        await Assert.ThrowsAsync<WebSocketException>(() => socket.ConnectAsync(_server.WebSocketUri(token), CancellationToken.None));
        Assert.Equal(HttpStatusCode.Unauthorized, socket.HttpStatusCode);
        socket.Dispose();
    }

    [Fact]
    public async Task A_bearer_header_is_accepted_on_the_upgrade()
    {
        var token = await _server.LoginAsync(GatewayServer.UniqueName("bearer"));
        await using var client = await ChatClient.ConnectAsync(_server.WebSocketUri(), configure: o => o.SetRequestHeader("Authorization", "Bearer " + token));
        await client.WaitForAsync(f => f.Type == "welcome");
    }

    [Theory]
    [InlineData("{\"openId\":\"bad id!\",\"name\":\"x\"}")]
    [InlineData("{\"openId\":\"ok\",\"name\":\"\"}")]
    [InlineData("{\"openId\":\"ok\",\"name\":\"x\",\"avatarUrl\":\"javascript:alert(1)\"}")]
    public async Task A_bad_login_is_a_400_with_a_reason(string body)
    {
        using var content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
        using var response = await _server.Http.PostAsync("/api/auth/login", content);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("bad_request", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
