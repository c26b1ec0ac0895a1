using System.Net.WebSockets;
using Microsoft.Extensions.Options;

namespace OrleansChat.Gateway.Sockets;

/// <summary>
/// Graceful shutdown of a gateway. When the host starts stopping (SIGTERM), before any service stops: new upgrades
/// are refused (503) and readiness fails, every socket flushes its queue and is closed with 1012 "service restart"
/// (clients reconnect through the load balancer to another gateway and <c>sync</c>), and the host waits until
/// they have deregistered, or <see cref="SocketOptions.DrainTimeout"/> passes.
/// </summary>
public sealed partial class GatewayDrain(
    ConnectionRegistry registry,
    IOptions<SocketOptions> options,
    ILogger<GatewayDrain> logger) : IHostedLifecycleService
{
    /// <summary>RFC 6455 "service restart": the server goes away, reconnect (elsewhere) now.</summary>
    public const WebSocketCloseStatus ServiceRestart = (WebSocketCloseStatus)1012;

    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(50);

    private volatile bool _draining;

    public bool IsDraining => _draining;

    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        _draining = true;
        LogDraining(registry.ConnectionCount);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(options.Value.DrainTimeout);
        try
        {
            // Closed again on every pass: a socket upgraded just before the switch may register after the first one.
            while (CloseAll() > 0)
            {
                await Task.Delay(PollInterval, deadline.Token);
            }

            LogDrained();
        }
        catch (OperationCanceledException)
        {
            LogDrainTimedOut(registry.ConnectionCount);
        }
    }

    private int CloseAll()
    {
        var open = registry.AllConnections().ToList(); // a snapshot: closing ones leave the registry meanwhile
        foreach (var connection in open)
        {
            connection.Close(ServiceRestart, "service restart", flush: true);
        }

        return open.Count;
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Draining: closing {Count} connection(s) with 1012 and refusing new ones")]
    private partial void LogDraining(int count);

    [LoggerMessage(Level = LogLevel.Information, Message = "Drained: every connection closed and deregistered")]
    private partial void LogDrained();

    [LoggerMessage(Level = LogLevel.Warning, Message = "Drain timed out with {Count} connection(s) still open; they are dropped")]
    private partial void LogDrainTimedOut(int count);
}
