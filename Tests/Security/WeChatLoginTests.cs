using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using OrleansChat.Tests.Infrastructure;

namespace OrleansChat.Tests.Security;

/// <summary><c>POST /api/auth/wechat</c> against a local Kestrel server standing in for WeChat's code2session.</summary>
[Collection(SecureGatewayGroup.Name)]
public sealed class WeChatLoginTests(SecureGatewayFixture fixture)
{
    private readonly GatewayServer _server = fixture.Server;

    [Fact]
    public async Task A_valid_code_logs_in_with_the_openid_as_user_id_and_the_token_opens_a_socket()
    {
        var openId = "o" + Guid.NewGuid().ToString("N")[..27];
        using var response = await _server.Http.PostAsJsonAsync("/api/auth/wechat", new { code = "ok-" + openId, name = "Wei" });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(openId, body.RootElement.GetProperty("user").GetProperty("id").GetString());
        Assert.Equal("Wei", body.RootElement.GetProperty("user").GetProperty("name").GetString());

        await using var client = await _server.ConnectWithTokenAsync(body.RootElement.GetProperty("token").GetString()!);
        var welcome = await client.WaitForAsync(f => f.Type == "welcome");
        Assert.Equal(openId, welcome.Json.GetProperty("user").GetProperty("id").GetString());
    }

    [Theory]
    [InlineData("invalid", HttpStatusCode.BadRequest, "bad_request")]
    [InlineData("limited", HttpStatusCode.TooManyRequests, "rate_limited")]
    [InlineData("risky", HttpStatusCode.Forbidden, "forbidden")]
    [InlineData("busy", HttpStatusCode.BadGateway, "unavailable")]
    [InlineData("other", HttpStatusCode.BadGateway, "unavailable")]
    [InlineData("garbage", HttpStatusCode.BadGateway, "unavailable")]
    [InlineData("http500", HttpStatusCode.BadGateway, "unavailable")]
    [InlineData("ok-not a valid id!", HttpStatusCode.BadGateway, "unavailable")]
    public async Task WeChat_failures_become_clear_http_errors(string code, HttpStatusCode status, string errorCode)
    {
        using var response = await _server.Http.PostAsJsonAsync("/api/auth/wechat", new { code });

        await AssertErrorAsync(response, status, errorCode);
    }

    [Fact]
    public async Task A_wechat_that_does_not_answer_in_time_is_a_504()
    {
        var started = DateTime.UtcNow;
        using var response = await _server.Http.PostAsJsonAsync("/api/auth/wechat", new { code = "slow" });

        await AssertErrorAsync(response, HttpStatusCode.GatewayTimeout, "unavailable");
        Assert.True(DateTime.UtcNow - started < SecureGatewayFixture.WeChatTimeout * 5, "the timeout applied");
    }

    [Fact]
    public async Task Requests_without_a_usable_code_are_bad_requests()
    {
        using var noCode = await _server.Http.PostAsJsonAsync("/api/auth/wechat", new { name = "x" });
        await AssertErrorAsync(noCode, HttpStatusCode.BadRequest, "bad_request");

        using var notJson = await _server.Http.PostAsync(new Uri("/api/auth/wechat", UriKind.Relative), new StringContent("{code:", System.Text.Encoding.UTF8, "application/json"));
        await AssertErrorAsync(notJson, HttpStatusCode.BadRequest, "bad_request");

        using var devWithoutOpenId = await _server.Http.PostAsJsonAsync("/api/auth/login", new { name = 5 });
        await AssertErrorAsync(devWithoutOpenId, HttpStatusCode.BadRequest, "bad_request");

        using var unknownProvider = await _server.Http.PostAsJsonAsync("/api/auth/github", new { code = "x" });
        await AssertErrorAsync(unknownProvider, HttpStatusCode.NotFound, "not_found");
    }

    internal static async Task AssertErrorAsync(HttpResponseMessage response, HttpStatusCode status, string errorCode)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"expected {status}, got {response.StatusCode}: {text}");
        using var body = JsonDocument.Parse(text);
        Assert.Equal(errorCode, body.RootElement.GetProperty("code").GetString());
        Assert.False(string.IsNullOrWhiteSpace(body.RootElement.GetProperty("message").GetString()));
    }
}
