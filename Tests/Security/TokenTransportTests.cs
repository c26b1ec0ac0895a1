using System.Net;
using System.Net.Http.Headers;
using System.Net.WebSockets;
using System.Text.Json;
using OrleansChat.Tests.Infrastructure;

namespace OrleansChat.Tests.Security;

/// <summary>The three ways a token reaches the WebSocket upgrade, refusals before the upgrade, and refresh.</summary>
[Collection(SecureGatewayGroup.Name)]
public sealed class TokenTransportTests(SecureGatewayFixture fixture)
{
    private readonly GatewayServer _server = fixture.Server;

    [Fact]
    public async Task The_token_is_accepted_as_query_bearer_header_or_websocket_subprotocol()
    {
        var userId = GatewayServer.UniqueName("tok");
        var token = await _server.LoginAsync(userId);

        await using var byQuery = await ChatClient.ConnectAsync(_server.WebSocketUri(token));
        await using var byHeader = await ChatClient.ConnectAsync(_server.WebSocketUri(), configure: o => o.SetRequestHeader("Authorization", "Bearer " + token));
        await using var bySubProtocol = await ChatClient.ConnectAsync(_server.WebSocketUri(), configure: o =>
        {
            o.AddSubProtocol("orleanschat.v1");
            o.AddSubProtocol("bearer." + token);
        });

        foreach (var client in new[] { byQuery, byHeader, bySubProtocol })
        {
            var welcome = await client.WaitForAsync(f => f.Type == "welcome");
            Assert.Equal(userId, welcome.Json.GetProperty("user").GetProperty("id").GetString());
        }

        Assert.Equal("orleanschat.v1", bySubProtocol.SubProtocol);
    }

    /// <summary>
    /// The gateway reads <c>access_token</c> from the raw query string and takes the full query parser only when the
    /// query has an escape: both ways must agree with what a client may send.
    /// </summary>
    [Fact]
    public async Task The_query_token_is_found_among_other_parameters_in_any_case_and_escaped()
    {
        var userId = GatewayServer.UniqueName("query");
        var token = await _server.LoginAsync(userId);
        string[] queries =
        [
            $"v=2&access_token={token}&x=1",
            $"ACCESS_TOKEN={token}",
            $"name=a+b&access_token={token}", // a '+' anywhere: the parser (escaped tokens: BearerTokenTests)
        ];

        foreach (var query in queries)
        {
            var uri = new UriBuilder(_server.WebSocketUri()) { Query = query }.Uri;
            await using var client = await ChatClient.ConnectAsync(uri);
            var welcome = await client.WaitForAsync(f => f.Type == "welcome");
            Assert.Equal(userId, welcome.Json.GetProperty("user").GetProperty("id").GetString());
        }

        foreach (var refused in new[] { "access_token=", $"v=access_token={token}", $"xaccess_token={token}" })
        {
            Assert.Equal(HttpStatusCode.Unauthorized, await UpgradeStatusAsync(new UriBuilder(_server.WebSocketUri()) { Query = refused }.Uri));
        }
    }

    [Fact]
    public async Task A_missing_or_forged_token_is_refused_with_401_before_the_upgrade()
    {
        var token = await _server.LoginAsync(GatewayServer.UniqueName("forger"));
        var forged = token[..^4] + (token.EndsWith("AAAA", StringComparison.Ordinal) ? "BBBB" : "AAAA");

        Assert.Equal(HttpStatusCode.Unauthorized, await UpgradeStatusAsync(_server.WebSocketUri()));
        Assert.Equal(HttpStatusCode.Unauthorized, await UpgradeStatusAsync(_server.WebSocketUri(forged)));
        Assert.Equal(HttpStatusCode.Unauthorized, await UpgradeStatusAsync(_server.WebSocketUri(), o => o.AddSubProtocol("bearer." + forged)));
    }

    [Fact]
    public async Task Refresh_trades_a_valid_token_for_a_new_one_and_refuses_anything_else()
    {
        var userId = GatewayServer.UniqueName("refresh");
        var token = await _server.LoginAsync(userId, "Refresher");

        using var refreshed = await RefreshAsync(token);
        Assert.Equal(HttpStatusCode.OK, refreshed.StatusCode);
        using var body = JsonDocument.Parse(await refreshed.Content.ReadAsStringAsync());
        Assert.Equal(userId, body.RootElement.GetProperty("user").GetProperty("id").GetString());
        await using var client = await _server.ConnectWithTokenAsync(body.RootElement.GetProperty("token").GetString()!);

        using var garbage = await RefreshAsync("not.a.token");
        await WeChatLoginTests.AssertErrorAsync(garbage, HttpStatusCode.Unauthorized, "unauthorized");
        using var none = await RefreshAsync(null);
        await WeChatLoginTests.AssertErrorAsync(none, HttpStatusCode.Unauthorized, "unauthorized");
    }

    private async Task<HttpResponseMessage> RefreshAsync(string? token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/api/auth/refresh", UriKind.Relative));
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return await _server.Http.SendAsync(request);
    }

    private static async Task<HttpStatusCode> UpgradeStatusAsync(Uri uri, Action<ClientWebSocketOptions>? configure = null)
    {
        using var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        configure?.Invoke(socket.Options);
        await Assert.ThrowsAsync<WebSocketException>(() => socket.ConnectAsync(uri, CancellationToken.None));
        return socket.HttpStatusCode;
    }
}
