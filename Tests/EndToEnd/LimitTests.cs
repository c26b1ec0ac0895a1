using System.Net;
using System.Net.WebSockets;
using System.Text.Json;
using OrleansChat.Tests.Infrastructure;

namespace OrleansChat.Tests.EndToEnd;

/// <summary>Each configured limit refuses with its documented reply, and the refused client carries on.</summary>
[Collection(LimitedGatewayGroup.Name)]
public sealed class LimitTests(LimitedGatewayFixture fixture)
{
    private readonly GatewayServer _server = fixture.Server;

    [Fact]
    public async Task Sends_beyond_the_burst_are_rate_limited_with_a_retry_hint_and_the_connection_stays()
    {
        var room = GatewayServer.UniqueName("room");
        await using var alice = await _server.ConnectAsync(GatewayServer.UniqueName("alice"));
        await alice.AckedAsync(id => new { type = "room.join", id, room });

        // Burst of 3 sends per connection: the fourth and fifth are refused; none waits for the one before.
        for (var i = 0; i < 5; i++)
        {
            await alice.SendAsync(new { type = "room.send", id = $"s{i}", room, body = new { kind = "text", text = $"m{i}" } });
        }

        var replies = await Task.WhenAll(Enumerable.Range(0, 5).Select(i => alice.WaitForAsync(f => f.Re == $"s{i}")));
        Assert.Equal(["ack", "ack", "ack", "error", "error"], replies.Select(r => r.Type));
        Assert.All(replies[3..], r =>
        {
            Assert.Equal("rate_limited", r.Str("code"));
            Assert.InRange(r.Number("retryAfterMs"), 1, 5000);
        });

        // Heartbeats are never refused, and the socket is still open.
        var pong = await alice.RequestAsync(id => new { type = "ping", id });
        Assert.Equal("pong", pong.Type);
        Assert.Equal(3, alice.Count(f => f.Type == "room.message"));
    }

    [Fact]
    public async Task Every_kind_of_frame_counts_against_the_frame_budget_but_pings_do_not()
    {
        await using var client = await _server.ConnectAsync(GatewayServer.UniqueName("chatty"));
        for (var i = 0; i < 20; i++)
        {
            await client.SendAsync(new { type = "ping", id = $"p{i}" });
        }

        for (var i = 0; i < 8; i++)
        {
            await client.SendRawAsync(i % 2 == 0 ? $"{{\"type\":\"room.members\",\"id\":\"f{i}\",\"room\":\"nowhere\"}}" : "{garbage");
        }

        await client.WaitForAsync(f => f.Re == "f6");
        Assert.Equal(20, client.Count(f => f.Type == "pong"));
        var errors = client.Received.Where(f => f.Type == "error").ToList();
        Assert.Equal(8, errors.Count);
        Assert.Equal(6, errors.Count(e => e.Str("code") != "rate_limited"));
        Assert.Equal(2, errors.Count(e => e.Str("code") == "rate_limited"));
    }

    [Fact]
    public async Task The_user_budget_is_shared_by_the_users_connections_on_the_gateway()
    {
        var token = await _server.LoginAsync(GatewayServer.UniqueName("twin"));
        await using var phone = await _server.ConnectWithTokenAsync(token);
        await using var laptop = await _server.ConnectWithTokenAsync(token);

        // 9 frames per user: 5 from the phone leave 4 for the laptop, whose own budget would allow 6.
        var fromPhone = await Members(phone, 5);
        var fromLaptop = await Members(laptop, 6);
        Assert.DoesNotContain("rate_limited", fromPhone);
        Assert.Equal(["forbidden", "forbidden", "forbidden", "forbidden", "rate_limited", "rate_limited"], fromLaptop);
    }

    [Fact]
    public async Task A_third_connection_of_a_user_is_refused_with_429_before_the_upgrade()
    {
        var token = await _server.LoginAsync(GatewayServer.UniqueName("many"));
        await using var first = await _server.ConnectWithTokenAsync(token);
        await using (var second = await _server.ConnectWithTokenAsync(token))
        {
            var refused = await UpgradeAsync(_server.WebSocketUri(token));
            Assert.Equal(HttpStatusCode.TooManyRequests, refused.Status);
            Assert.Equal("rate_limited", refused.Code);
            Assert.Contains("per user", refused.Message, StringComparison.Ordinal);
        }

        // The slot comes back once the server has seen the second socket go.
        await Eventually.TrueAsync(async () => (await UpgradeAsync(_server.WebSocketUri(token))).Status == HttpStatusCode.SwitchingProtocols, "a slot was freed");
    }

    [Fact]
    public async Task An_upgrade_from_an_origin_not_listed_is_refused_with_403()
    {
        var token = await _server.LoginAsync(GatewayServer.UniqueName("web"));
        var refused = await UpgradeAsync(_server.WebSocketUri(token), origin: "https://evil.example");
        Assert.Equal(HttpStatusCode.Forbidden, refused.Status);
        Assert.Equal("forbidden", refused.Code);

        await using var page = await ChatClient.ConnectAsync(_server.WebSocketUri(token), configure: o => o.SetRequestHeader("Origin", LimitedGatewayFixture.AllowedOrigin));
        await page.WaitForAsync(f => f.Type == "welcome");
        await using var native = await _server.ConnectWithTokenAsync(token); // no Origin at all
    }

    [Fact]
    public async Task Joining_more_rooms_than_allowed_is_forbidden_until_the_user_leaves_one()
    {
        await using var client = await _server.ConnectAsync(GatewayServer.UniqueName("joiner"));
        var (r1, r2, r3) = (GatewayServer.UniqueName("r"), GatewayServer.UniqueName("r"), GatewayServer.UniqueName("r"));
        await client.AckedAsync(id => new { type = "room.join", id, room = r1 });
        await client.AckedAsync(id => new { type = "room.join", id, room = r2 });

        var refused = await client.RequestAsync(id => new { type = "room.join", id, room = r3 });
        Assert.Equal("forbidden", refused.Str("code"));
        Assert.Contains("at most 2 rooms", refused.Str("message"), StringComparison.Ordinal);
        await client.AckedAsync(id => new { type = "room.join", id, room = r1 }); // already a member: fine

        await client.AckedAsync(id => new { type = "room.leave", id, room = r1 });
        await client.AckedAsync(id => new { type = "room.join", id, room = r3 });
    }

    [Fact]
    public async Task Media_and_avatar_urls_must_be_on_an_allowed_host()
    {
        var room = GatewayServer.UniqueName("room");
        await using var client = await _server.ConnectAsync(GatewayServer.UniqueName("pics"));
        await client.AckedAsync(id => new { type = "room.join", id, room });
        await client.AckedAsync(id => new { type = "room.send", id, room, body = new { kind = "image", url = "https://cdn.example.com/a.png" } });
        await client.AckedAsync(id => new { type = "room.send", id, room, body = new { kind = "audio", url = "https://eu.media.example.com/a.mp3", durationMs = 1000 } });

        var refused = await client.RequestAsync(id => new { type = "room.send", id, room, body = new { kind = "image", url = "https://tracker.example/pixel.png" } });
        Assert.Equal("bad_request", refused.Str("code"));
        Assert.Contains("allowed media host", refused.Str("message"), StringComparison.Ordinal);

        using var login = await _server.Http.PostAsync("/api/auth/login", JsonContent("{\"openId\":\"avatar-user\",\"name\":\"A\",\"avatarUrl\":\"https://tracker.example/me.png\"}"));
        Assert.Equal(HttpStatusCode.BadRequest, login.StatusCode);
        Assert.Contains("avatarUrl must be on an allowed media host", await login.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.NotNull(await _server.LoginAsync(GatewayServer.UniqueName("avatar"), avatarUrl: "https://cdn.example.com/me.png"));
    }

    private static async Task<string[]> Members(ChatClient client, int count)
    {
        var ids = Enumerable.Range(0, count).Select(_ => client.NextId()).ToList();
        foreach (var id in ids)
        {
            await client.SendAsync(new { type = "room.members", id, room = "nobody-here" });
        }

        var replies = await Task.WhenAll(ids.Select(id => client.WaitForAsync(f => f.Re == id)));
        return [.. replies.Select(r => r.Str("code"))];
    }

    private static StringContent JsonContent(string json) => new(json, System.Text.Encoding.UTF8, "application/json");

    /// <summary>A raw upgrade request, so a refusal's status and JSON body can both be read.</summary>
    internal static async Task<(HttpStatusCode Status, string? Code, string Message)> UpgradeAsync(Uri wsUri, string? origin = null)
    {
        using var http = new HttpClient();
        var uri = new UriBuilder(wsUri) { Scheme = "http" }.Uri;
        using var request = new HttpRequestMessage(HttpMethod.Get, uri);
        request.Headers.Connection.Add("Upgrade");
        request.Headers.Upgrade.ParseAdd("websocket");
        request.Headers.Add("Sec-WebSocket-Version", "13");
        request.Headers.Add("Sec-WebSocket-Key", Convert.ToBase64String(Guid.NewGuid().ToByteArray()));
        if (origin is not null)
        {
            request.Headers.Add("Origin", origin);
        }

        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        if (response.StatusCode == HttpStatusCode.SwitchingProtocols)
        {
            return (response.StatusCode, null, "");
        }

        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return (response.StatusCode, body.RootElement.GetProperty("code").GetString(), body.RootElement.GetProperty("message").GetString()!);
    }
}

/// <summary>The per-address limit, on a gateway of its own so no other test's sockets count against it.</summary>
public sealed class PerAddressLimitTests(PerAddressGatewayFixture fixture) : IClassFixture<PerAddressGatewayFixture>
{
    private readonly GatewayServer _server = fixture.Server;

    [Fact]
    public async Task Connections_from_one_address_beyond_the_limit_are_refused_with_429()
    {
        var clients = new List<ChatClient>();
        try
        {
            for (var i = 0; i < PerAddressGatewayFixture.MaxPerAddress; i++)
            {
                clients.Add(await _server.ConnectAsync(GatewayServer.UniqueName("neighbour")));
            }

            var refused = await LimitTests.UpgradeAsync(_server.WebSocketUri(await _server.LoginAsync(GatewayServer.UniqueName("one-more"))));
            Assert.Equal(HttpStatusCode.TooManyRequests, refused.Status);
            Assert.Contains("per address", refused.Message, StringComparison.Ordinal);
            await clients[0].AckedAsync(id => new { type = "ping", id });
        }
        finally
        {
            foreach (var client in clients)
            {
                await client.DisposeAsync();
            }
        }
    }
}
