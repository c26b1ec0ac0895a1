using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OrleansChat.Gateway.Sockets;

namespace OrleansChat.Tests.EndToEnd;

/// <summary>
/// On real Kestrel: after <see cref="UpgradeRequestTarget.Forget"/> no string the request or the server's
/// connection keeps holds the query (the token). Fails when a Kestrel update renames the cache fields, and so does
/// the gateway's start (<see cref="UpgradeRequestTarget.RequireKestrelCache"/>).
/// </summary>
public sealed class UpgradeRequestTargetTests
{
    private const string Secret = "token-that-must-not-stay-in-memory";

    [Fact]
    public async Task Neither_the_request_nor_kestrels_target_cache_keeps_the_query()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        await using var app = builder.Build();
        app.Map("/ws", (HttpContext context) =>
        {
            var request = context.Features.GetRequiredFeature<IHttpRequestFeature>();
            var cache = UpgradeRequestTarget.FindCacheFields(request.GetType());
            var heldBefore = cache.Count(f => ((string?)f.GetValue(request))?.Contains(Secret, StringComparison.Ordinal) == true);
            UpgradeRequestTarget.Forget(context);
            var heldAfter = cache.Count(f => ((string?)f.GetValue(request))?.Contains(Secret, StringComparison.Ordinal) == true);
            var requestHolds = request.RawTarget.Contains(Secret, StringComparison.Ordinal)
                || context.Request.QueryString.HasValue || context.Request.Query.Count > 0;
            return $"{cache.Length} {heldBefore} {heldAfter} {requestHolds}";
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        using var http = new HttpClient { BaseAddress = new Uri(address) };

        var answer = await http.GetStringAsync(new Uri("/ws?access_token=" + Secret, UriKind.Relative));

        // Two cache fields found, both held the token before and neither after; the request forgot it too.
        Assert.Equal("2 2 0 False", answer);
    }

    [Fact]
    public void A_server_type_without_the_cache_fields_is_refused_with_a_message_that_says_what_to_update()
    {
        UpgradeRequestTarget.RequireKestrelCache(); // this Kestrel has them

        var refused = Assert.Throws<InvalidOperationException>(() => UpgradeRequestTarget.FindCacheFields(typeof(HttpRequestFeature)));
        Assert.Contains("_parsedRawTarget", refused.Message, StringComparison.Ordinal);
        Assert.Contains("update it for this ASP.NET Core version", refused.Message, StringComparison.Ordinal);
    }
}
