using System.Diagnostics;
using System.Net.Sockets;
using System.Text;

namespace OrleansChat.Tests.Infrastructure;

/// <summary>
/// A throwaway <c>redis-server</c> on a free 127.0.0.1 port, without persistence, started once per test run
/// (xunit collection fixture: <c>[Collection(RedisFixtureDefinition.Name)]</c>). The child process is killed on
/// dispose, and on process exit as a last resort.
/// </summary>
public sealed class RedisServer : ThrowawayServer
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(15);

    private readonly ExternalProcess.OutputTail output = new();
    private Process? process;
    private string? ownershipMarker;

    /// <summary>StackExchange.Redis / Orleans connection string, e.g. <c>127.0.0.1:6379</c>.</summary>
    public string ConnectionString { get; private set; } = string.Empty;

    public int Port { get; private set; }

    public override async Task InitializeAsync()
    {
        var redisServer = ExternalProcess.FindExecutable("redis-server", ["/usr/bin", "/usr/local/bin"])
            ?? throw new InvalidOperationException(
                "redis-server was not found on PATH. Install it (Debian/Ubuntu: apt-get install -y redis-server) to run the Redis tests.");

        ExternalProcess.Ownership.SweepOrphans("redis", KillOrphan);
        StopOnProcessExit();
        Exception? lastError = null;
        for (var attempt = 0; attempt < 3; attempt++)
        {
            try
            {
                Port = ExternalProcess.GetFreePort();
                await StartAsync(redisServer);
                return;
            }
#pragma warning disable CA1031 // retried on another port, then rethrown
            catch (Exception ex)
#pragma warning restore CA1031
            {
                lastError = ex;
                Stop();
            }
        }

        throw new InvalidOperationException("Could not start redis-server.", lastError);
    }

    /// <summary>Kills the server (kill -9: it keeps nothing, there is no persistence), for <see cref="StartAgainAsync"/>.</summary>
    public void Kill() => Stop();

    /// <summary>Starts an empty server again on the port of the one <see cref="Kill"/> killed.</summary>
    public Task StartAgainAsync() =>
        StartAsync(ExternalProcess.FindExecutable("redis-server", ["/usr/bin", "/usr/local/bin"]) ?? throw new InvalidOperationException("redis-server is gone"));

    private async Task StartAsync(string redisServer)
    {
        var startInfo = new ProcessStartInfo(redisServer)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[]
                 {
                     "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                     "--bind", "127.0.0.1",
                     "--save", string.Empty,
                     "--appendonly", "no",
                     "--daemonize", "no",
                     "--protected-mode", "yes",
                     "--loglevel", "warning",
                 })
        {
            startInfo.ArgumentList.Add(argument);
        }

        process = Process.Start(startInfo) ?? throw new InvalidOperationException("Could not start redis-server.");
        ownershipMarker = ExternalProcess.Ownership.Claim("redis", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        process.OutputDataReceived += (_, e) => output.Add(e.Data);
        process.ErrorDataReceived += (_, e) => output.Add(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var deadline = DateTime.UtcNow + StartTimeout;
        while (true)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException(
                    $"redis-server exited with code {process.ExitCode} while starting on port {Port}:\n{output}");
            }

            if (await PingAsync())
            {
                ConnectionString = $"127.0.0.1:{Port}";
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"redis-server did not answer PING on port {Port} within {StartTimeout.TotalSeconds:0} s:\n{output}");
            }

            await Task.Delay(50);
        }
    }

    private async Task<bool> PingAsync()
    {
        try
        {
            using var client = new TcpClient();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(1));
            await client.ConnectAsync("127.0.0.1", Port, timeout.Token);
            var stream = client.GetStream();
            await stream.WriteAsync("PING\r\n"u8.ToArray(), timeout.Token);
            var buffer = new byte[16];
            var read = await stream.ReadAsync(buffer, timeout.Token);
            return Encoding.ASCII.GetString(buffer, 0, read).StartsWith("+PONG", StringComparison.Ordinal);
        }
        catch (Exception ex) when (ex is SocketException or IOException or OperationCanceledException)
        {
            return false;
        }
    }

    private static void KillOrphan(string pidText)
    {
        if (!int.TryParse(pidText, System.Globalization.CultureInfo.InvariantCulture, out var pid) || !ExternalProcess.IsAlive(pid))
        {
            return;
        }

        // Only kill it if it still is a redis-server (pids get reused). /usr/bin/redis-server is often a symlink to
        // redis-check-rdb, so Process.ProcessName is unreliable: look at the kernel's comm and cmdline instead.
        var comm = File.ReadAllText($"/proc/{pid}/comm").Trim();
        var commandLine = File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ');
        using var orphan = Process.GetProcessById(pid);
        if (comm == "redis-server" || commandLine.Contains("redis-server", StringComparison.Ordinal))
        {
            orphan.Kill();
            orphan.WaitForExit(5000);
        }
    }

    protected override void Stop()
    {
        var running = Interlocked.Exchange(ref process, null);
        if (running is null)
        {
            return;
        }

        try
        {
            if (!running.HasExited)
            {
                running.Kill(entireProcessTree: true);
                running.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
            // Exited in the meantime.
        }
        finally
        {
            running.Dispose();
            ExternalProcess.Ownership.Release(Interlocked.Exchange(ref ownershipMarker, null));
        }
    }
}

[CollectionDefinition(Name)]
public sealed class RedisFixtureDefinition : ICollectionFixture<RedisServer>
{
    public const string Name = "Redis server";
}
