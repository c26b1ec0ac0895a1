using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace OrleansChat.Tests.Infrastructure;

/// <summary>
/// A local Kestrel server standing in for WeChat's API: <c>/sns/jscode2session</c> here, the access token and
/// subscribe messages in FakeWeChatServer.SubscribeMessages.cs. The <c>js_code</c> picks the answer:
/// <c>ok-OPENID</c> succeeds with that openid; <c>invalid</c>, <c>limited</c>, <c>risky</c>, <c>busy</c>, <c>other</c>
/// answer the matching errcode; <c>garbage</c> is not JSON; <c>http500</c> fails; <c>slow</c> answers after 30 s.
/// A call with the wrong app id or secret gets errcode 40013 (as WeChat answers an invalid AppID).
/// </summary>
public sealed partial class FakeWeChatServer : IAsyncDisposable
{
    public const string AppId = "wx-test-app";
    public const string Secret = "test-secret";

    private readonly WebApplication _app;

    private FakeWeChatServer(WebApplication app) => _app = app;

    public Uri BaseUri { get; private set; } = null!;

    public static async Task<FakeWeChatServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        var app = builder.Build();
        var server = new FakeWeChatServer(app);
        app.MapGet("/sns/jscode2session", AnswerAsync);
        server.MapSubscribeMessageApi(app);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.BaseUri = new Uri(address);
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private static async Task AnswerAsync(HttpContext context)
    {
        var query = context.Request.Query;
        var code = query["js_code"].ToString();
        context.Response.ContentType = "text/plain"; // WeChat really labels its JSON text/plain.
        if (query["appid"] != AppId || query["secret"] != Secret || query["grant_type"] != "authorization_code")
        {
            await context.Response.WriteAsync("""{"errcode":40013,"errmsg":"invalid appid"}""");
            return;
        }

        switch (code)
        {
            case "garbage":
                await context.Response.WriteAsync("<html>not json");
                break;
            case "http500":
                context.Response.StatusCode = StatusCodes.Status500InternalServerError;
                break;
            case "slow":
                await Task.Delay(TimeSpan.FromSeconds(30), context.RequestAborted);
                break;
            case var ok when ok.StartsWith("ok-", StringComparison.Ordinal):
                await context.Response.WriteAsync($$"""{"openid":"{{ok[3..]}}","session_key":"c2Vzc2lvbg=="}""");
                break;
            default:
                await context.Response.WriteAsync($$"""{"errcode":{{ErrCode(code)}},"errmsg":"{{code}}"}""");
                break;
        }
    }

    private static int ErrCode(string code) => code switch
    {
        "invalid" => 40029,
        "limited" => 45011,
        "risky" => 40226,
        "busy" => -1,
        _ => 99999,
    };
}
