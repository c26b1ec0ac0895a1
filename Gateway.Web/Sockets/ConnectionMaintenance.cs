using System.Net.WebSockets;
using Microsoft.Extensions.Options;

namespace OrleansChat.Gateway.Sockets;

/// <summary>
/// The gateway's two clocks, on one timer each for the whole process rather than one per socket: closing
/// sockets that went silent past the idle timeout, and renewing this gateway's registrations with the grains
/// well inside their expiry, a slice at a time (<see cref="RenewalSchedule"/>).
/// </summary>
public sealed partial class ConnectionMaintenance(
    LocalGateway gateway,
    IOptions<SocketOptions> sockets,
    IOptions<Grains.ChatOptions> chat,
    TimeProvider time,
    ILogger<ConnectionMaintenance> logger) : BackgroundService
{
    /// <summary>An application close code (4000-4999 are ours): the client went silent past the idle timeout.</summary>
    public const WebSocketCloseStatus IdleTimeoutCloseStatus = (WebSocketCloseStatus)4000;

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(CloseIdleLoopAsync(stoppingToken), RenewLoopAsync(stoppingToken));

    private async Task CloseIdleLoopAsync(CancellationToken stoppingToken)
    {
        var idleTimeout = sockets.Value.IdleTimeout;
        using var timer = new PeriodicTimer(Min(idleTimeout / 4, TimeSpan.FromSeconds(5)), time);
        while (await WaitAsync(timer, stoppingToken))
        {
            foreach (var connection in gateway.Registry.AllConnections())
            {
                if (connection.IdleFor > idleTimeout && !connection.IsClosing)
                {
                    connection.Close(IdleTimeoutCloseStatus, "idle timeout: send ping at least every 25 s", flush: true);
                }
            }
        }
    }

    private async Task RenewLoopAsync(CancellationToken stoppingToken)
    {
        // Three renewals fit in one expiry period, so one lost renewal never drops a live gateway.
        var schedule = new RenewalSchedule(chat.Value.SubscriptionExpiry / 3);
        using var timer = new PeriodicTimer(schedule.Tick, time);
        await RegisterUntilDoneAsync(stoppingToken);
        while (await WaitAsync(timer, stoppingToken))
        {
            try
            {
                var slice = schedule.Next();
                if (slice.Index == 0)
                {
                    await gateway.RegisterAsync(); // the directory of gateways expires like every other registration
                }

                await gateway.RenewAsync(slice);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                LogRenewFailed(e);
            }
        }

        await UnregisterAsync();
    }

    /// <summary>
    /// Enters the gateway directory, retrying with back-off (0.25 s doubling to 2 s): in Client mode the hosted services
    /// start beside the cluster client's own connection retries, so the first attempts can come before any silo
    /// answers. The gateway takes no socket until this succeeds (<see cref="LocalGateway.IsListed"/>), so the back-off
    /// stays short: a failed attempt is one small call, a long wait would keep a ready cluster's gateway unready.
    /// </summary>
    private async Task RegisterUntilDoneAsync(CancellationToken stoppingToken)
    {
        var delay = TimeSpan.FromMilliseconds(250);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await gateway.RegisterAsync();
                return;
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                LogRenewFailed(e);
            }

            try
            {
                await Task.Delay(delay, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            delay = Min(delay * 2, TimeSpan.FromSeconds(2));
        }
    }

    /// <summary>Best effort: a gateway that cannot say so lapses from the directory at its expiry.</summary>
    private async Task UnregisterAsync()
    {
        try
        {
            await gateway.UnregisterAsync().WaitAsync(TimeSpan.FromSeconds(2));
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            LogUnregisterFailed(e);
        }
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken token)
    {
        try
        {
            return await timer.WaitForNextTickAsync(token);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Renewing gateway registrations failed; retrying next period")]
    private partial void LogRenewFailed(Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Leaving the gateway directory failed; the entry lapses at its expiry")]
    private partial void LogUnregisterFailed(Exception exception);
}
