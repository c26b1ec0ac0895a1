using System.Net;
using Microsoft.Extensions.DependencyInjection;
using OrleansChat.Gateway.Limits;
using OrleansChat.Tests.Infrastructure;

namespace OrleansChat.Tests.Limits;

/// <summary>
/// Connect admission on a real gateway (Kestrel, real WebSocket upgrades): one connect set up at a time, one more
/// waiting; beyond that 503 + Retry-After before the upgrade. The test holds the one turn itself, as a connect
/// in flight would, so what waits and what is refused does not depend on timing.
/// </summary>
public sealed class ConnectAdmissionTests : IAsyncLifetime
{
    private GatewayServer _server = null!;

    public async Task InitializeAsync() => _server = await GatewayServer.StartAsync(new Dictionary<string, string?>
    {
        ["Sockets:MaxConcurrentConnects"] = "1",
        ["Sockets:ConnectQueueLimit"] = "1",
        ["Sockets:ConnectRetryAfter"] = "00:00:03",
    });

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Beyond_the_queue_an_upgrade_is_refused_with_503_and_Retry_After_while_the_queued_one_waits_and_then_connects()
    {
        var admission = _server.Services.GetRequiredService<ConnectAdmission>();
        var (waiter, refused, later) = (GatewayServer.UniqueName("waiter"), GatewayServer.UniqueName("refused"), GatewayServer.UniqueName("later"));
        var refusedToken = await _server.LoginAsync(refused);
        var laterToken = await _server.LoginAsync(later);

        var inFlight = await admission.EnterAsync(CancellationToken.None);
        Assert.NotNull(inFlight);
        var queued = _server.ConnectAsync(waiter);
        await Eventually.TrueAsync(() => admission.Waiting == 1, "the second connect waits for a turn");

        var (status, retryAfter, code) = await RawUpgrade.SendAsync(_server.WebSocketUri(refusedToken));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Equal("3", retryAfter);
        Assert.Equal("unavailable", code);
        Assert.False(queued.IsCompleted, "a queued connect waits while the turn is taken");

        inFlight.Dispose();
        await using var first = await queued.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(0, admission.Waiting);

        // The waiter's turn was given back once its welcome was out: the next connect goes straight through.
        await using var next = await _server.ConnectWithTokenAsync(laterToken).WaitAsync(TimeSpan.FromSeconds(30));
        var pong = await next.RequestAsync(id => new { type = "ping", id });
        Assert.Equal("pong", pong.Type);
    }
}
