using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OrleansChat.Gateway.Hosting;
using OrleansChat.Gateway.Sockets;
using OrleansChat.Protocol;

namespace OrleansChat.Tests.Infrastructure;

/// <summary>
/// A real gateway (Kestrel on 127.0.0.1, embedded silo on free ports) started in-process, with helpers to log
/// users in and open real <see cref="System.Net.WebSockets.ClientWebSocket"/>s against it.
/// </summary>
public sealed class GatewayServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly HttpClient _http;
    private Task? _stop;

    private GatewayServer(WebApplication app, Uri baseUri)
    {
        _app = app;
        BaseUri = baseUri;
        _http = new HttpClient { BaseAddress = baseUri };
    }

    public Uri BaseUri { get; }

    public IServiceProvider Services => _app.Services;

    public HttpClient Http => _http;

    /// <param name="settings">Configuration over the test defaults.</param>
    /// <param name="services">Registrations made before the gateway's own (which add theirs only when missing, the message log included).</param>
    /// <param name="untilListed">
    /// Returns once the gateway is listed in the gateway directory, as a load balancer waits for <c>/readyz</c>: until
    /// then it refuses sockets with 503 (<see cref="LocalGateway.IsListed"/>). False for a test of that refusal.
    /// </param>
    public static async Task<GatewayServer> StartAsync(
        IDictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null, bool untilListed = true)
    {
        var app = GatewayApp.Build([], builder =>
        {
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Urls"] = "http://127.0.0.1:0",
                ["Cluster:Mode"] = "Embedded",
                ["Cluster:SiloPort"] = FreePort.Next().ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["Cluster:GatewayPort"] = FreePort.Next().ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["Cluster:ClusterId"] = "test-" + Guid.NewGuid().ToString("N"),
                ["Auth:DevLoginEnabled"] = "true",
                // Tests send in bursts (hundreds of messages at once); the limit tests switch rate limits back on.
                ["RateLimits:Enabled"] = "false",
                ["Security:Encryption"] = "Off",
            });
            if (settings is not null)
            {
                builder.Configuration.AddInMemoryCollection(settings);
            }

            services?.Invoke(builder.Services);
            builder.Logging.SetMinimumLevel(LogLevel.Warning);
        });
        await app.StartAsync();
        if (untilListed)
        {
            var gateway = app.Services.GetRequiredService<LocalGateway>();
            await Eventually.TrueAsync(() => gateway.IsListed, "the gateway is listed in the gateway directory (ready for sockets)", TimeSpan.FromSeconds(60));
        }

        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new GatewayServer(app, new Uri(address));
    }

    public Uri WebSocketUri(string? token = null)
    {
        var ws = new UriBuilder(BaseUri) { Scheme = BaseUri.Scheme == "https" ? "wss" : "ws", Path = "/ws" };
        if (token is not null)
        {
            ws.Query = "access_token=" + Uri.EscapeDataString(token);
        }

        return ws.Uri;
    }

    public async Task<string> LoginAsync(string openId, string? name = null, string? avatarUrl = null)
    {
        using var response = await _http.PostAsJsonAsync("/api/auth/login", new { openId, name = name ?? openId, avatarUrl });
        response.EnsureSuccessStatusCode();
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return body.RootElement.GetProperty("token").GetString()!;
    }

    /// <summary>Logs a fresh user in and connects; waits for the welcome frame.</summary>
    public async Task<ChatClient> ConnectAsync(string openId, string? name = null)
    {
        var token = await LoginAsync(openId, name);
        return await ConnectWithTokenAsync(token);
    }

    public async Task<ChatClient> ConnectWithTokenAsync(string token)
    {
        var client = await ChatClient.ConnectAsync(WebSocketUri(token));
        await client.WaitForAsync(f => f.Type == "welcome");
        return client;
    }

    /// <summary>Stops the gateway as SIGTERM would (drain, then leave the cluster); dispose later is then a no-op stop.</summary>
    public Task StopAsync() => _stop ??= _app.StopAsync();

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await StopAsync();
        await _app.DisposeAsync();
    }

    /// <summary>A unique user id (or room name) so tests sharing one server never meet.</summary>
    public static string UniqueName(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..Math.Min(prefix.Length + 13, 64)];

    internal static JsonSerializerOptions Json => ProtocolJson.Options;
}
