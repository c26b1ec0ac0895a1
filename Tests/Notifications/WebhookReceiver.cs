using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using OrleansChat.Tests.Infrastructure;

namespace OrleansChat.Tests.Notifications;

/// <summary>
/// A webhook endpoint for tests on a real Kestrel: checks every request's Standard Webhooks signature on its own (an
/// HMAC-SHA256 of <c>id.timestamp.body</c> computed here, not by the package the server signs with), keeps what it
/// received, dedupes by <c>webhook-id</c> as a receiver should, and on cue answers 500 or stalls past the timeout.
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly byte[][] _keys;

    private WebhookReceiver(WebApplication app, byte[][] keys) => (_app, _keys) = (app, keys);

    public string Url { get; private set; } = "";

    /// <summary>Every request, in arrival order: id, parsed body, whether every secret's signature verified.</summary>
    public ConcurrentQueue<Received> Requests { get; } = new();

    /// <summary>Ids answered 2xx, each once: what a deduping receiver ends up with.</summary>
    public ConcurrentDictionary<string, Received> Accepted { get; } = new();

    /// <summary>What the next requests get: by default 204.</summary>
    public Func<Received, Behaviour> Next { get; set; } = _ => Behaviour.Accept;

    public static async Task<WebhookReceiver> StartAsync(params string[] secrets)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        var port = FreePort.Next();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        var app = builder.Build();
        var receiver = new WebhookReceiver(app, [.. secrets.Select(s => Convert.FromBase64String(s["whsec_".Length..]))]) { Url = $"http://127.0.0.1:{port}/hook" };
        app.MapPost("/hook", receiver.HandleAsync);
        app.MapGet("/warm", () => "ok");
        await app.StartAsync();
        // One request first, so Kestrel's and HttpClient's first-call costs (JIT on a loaded machine: seconds) are not
        // counted against a test's webhook timeout.
        using var warm = new HttpClient();
        await warm.GetStringAsync(new Uri($"http://127.0.0.1:{port}/warm"));
        return receiver;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
        var body = await reader.ReadToEndAsync();
        var id = context.Request.Headers["webhook-id"].ToString();
        var timestamp = context.Request.Headers["webhook-timestamp"].ToString();
        var signatures = context.Request.Headers["webhook-signature"].ToString().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var received = new Received(id, timestamp, body, signatures, _keys.All(key => signatures.Contains("v1," + Sign(key, id, timestamp, body))));
        Requests.Enqueue(received);
        switch (Next(received))
        {
            case Behaviour.Fail:
                context.Response.StatusCode = 500;
                return;
            case Behaviour.Stall:
                await Task.Delay(TimeSpan.FromSeconds(10), context.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
                return;
            default:
                Accepted.TryAdd(id, received);
                context.Response.StatusCode = 204;
                return;
        }
    }

    /// <summary>The specification's signature, computed independently: base64 of HMAC-SHA256(key, "id.timestamp.body").</summary>
    public static string Sign(byte[] key, string id, string timestamp, string body) =>
        Convert.ToBase64String(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes($"{id}.{timestamp}.{body}")));

    public enum Behaviour { Accept, Fail, Stall }

    public sealed record Received(string Id, string Timestamp, string Body, string[] Signatures, bool SignedByEverySecret);
}
