using System.Collections.Concurrent;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OrleansChat.Gateway.Hosting;
using OrleansChat.Tests.Infrastructure;

namespace OrleansChat.Tests.Deploy;

/// <summary>
/// A token sent as <c>?access_token=</c> must not reach the gateway's logs. With the gateway's shipped logging
/// configuration (appsettings.json + appsettings.Production.json) and every other category at Trace, including all of
/// ours, a login, an upgrade with the token in the query, a join and a send log nothing that contains the token; the
/// control run turns ASP.NET Core's request logging on, and then the token does appear (so the check can fail).
/// </summary>
public sealed class QueryStringLoggingTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_token_in_the_query_string_is_never_logged_at_the_shipped_levels(bool requestLoggingOn)
    {
        var sink = new CapturingLoggerProvider();
        var root = Kustomize.RepositoryRoot();
        var app = GatewayApp.Build([], builder =>
        {
            builder.Configuration.AddJsonFile(Path.Combine(root, "Gateway.Web", "appsettings.json"));
            builder.Configuration.AddJsonFile(Path.Combine(root, "Gateway.Web", "appsettings.Production.json"));
            var settings = new Dictionary<string, string?>
            {
                ["Urls"] = "http://127.0.0.1:0",
                ["Cluster:SiloPort"] = FreePort.Next().ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["Cluster:GatewayPort"] = FreePort.Next().ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["Cluster:ClusterId"] = "log-" + Guid.NewGuid().ToString("N")[..8],
                ["Auth:DevLoginEnabled"] = "true",
                ["Security:Encryption"] = "Off",
                ["Logging:LogLevel:Default"] = "Trace",
            };
            if (requestLoggingOn)
            {
                settings["Logging:LogLevel:Microsoft.AspNetCore.Hosting"] = "Information";
            }

            builder.Configuration.AddInMemoryCollection(settings);
            builder.Logging.ClearProviders();
            builder.Logging.AddProvider(sink);
        });
        await app.StartAsync();
        try
        {
            var address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
            using var http = new HttpClient { BaseAddress = address };
            using var login = await http.PostAsync("/api/auth/login", JsonContent.Create(new { openId = GatewayServer.UniqueName("quiet"), name = "Quiet" }));
            login.EnsureSuccessStatusCode();
            var token = (await login.Content.ReadFromJsonAsync<Dictionary<string, object>>())!["token"].ToString()!;

            var room = GatewayServer.UniqueName("room");
            await using (var client = await ChatClient.ConnectAsync(new Uri($"ws://{address.Authority}/ws?access_token={Uri.EscapeDataString(token)}")))
            {
                await client.WaitForAsync(f => f.Type == "welcome");
                await client.AckedAsync(id => new { type = "room.join", id, room });
                await client.AckedAsync(id => new { type = "room.send", id, room, body = new { kind = "text", text = "hello" } });
            }

            Assert.NotEmpty(sink.Lines);
            Assert.Equal(requestLoggingOn, sink.Lines.Any(line => line.Contains(token, StringComparison.Ordinal)));
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    /// <summary>Keeps every log line (category, message, state values and exception) in memory.</summary>
    private sealed class CapturingLoggerProvider : ILoggerProvider
    {
        public ConcurrentQueue<string> Lines { get; } = new();

        public ILogger CreateLogger(string categoryName) => new Logger(categoryName, Lines);

        public void Dispose()
        {
        }

        private sealed class Logger(string category, ConcurrentQueue<string> lines) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                var values = state is IEnumerable<KeyValuePair<string, object?>> pairs ? string.Join(" ", pairs.Select(p => $"{p.Key}={p.Value}")) : "";
                lines.Enqueue($"{category} {logLevel}: {formatter(state, exception)} {values} {exception}");
            }
        }
    }
}
