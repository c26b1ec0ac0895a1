using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace OrleansChat.Tests.Infrastructure;

/// <summary>Helpers shared by the throwaway server fixtures (<see cref="RedisServer"/>, <see cref="PostgresServer"/>).</summary>
internal static class ExternalProcess
{
    public sealed record Result(int ExitCode, string StdOut, string StdErr)
    {
        public string Describe() => $"exit code {ExitCode}\nstdout: {StdOut.Trim()}\nstderr: {StdErr.Trim()}";
    }

    /// <summary>Whether this process runs as root (PostgreSQL refuses to run as root).</summary>
    public static bool IsRoot { get; } = string.Equals(Environment.UserName, "root", StringComparison.Ordinal);

    /// <summary>A TCP port on 127.0.0.1 that was free a moment ago.</summary>
    public static int GetFreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Looks an executable up on PATH, then in <paramref name="extraDirectories"/>.</summary>
    public static string? FindExecutable(string name, IEnumerable<string>? extraDirectories = null)
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? string.Empty;
        var directories = path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Concat(extraDirectories ?? []);
        foreach (var directory in directories)
        {
            var candidate = Path.Combine(directory, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>Runs a program to completion (killing it after <paramref name="timeout"/>) and captures its output.</summary>
    public static async Task<Result> RunAsync(string fileName, IEnumerable<string> arguments, TimeSpan timeout)
    {
        var startInfo = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        using var process = Process.Start(startInfo)
            ?? throw new InvalidOperationException($"Could not start {fileName}.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException(
                $"'{fileName} {string.Join(' ', startInfo.ArgumentList)}' did not finish within {timeout.TotalSeconds:0} s.");
        }

        return new Result(process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Whether a process with this id is running.</summary>
    public static bool IsAlive(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>
    /// Markers that tie a throwaway server to the test process that started it. Dispose and ProcessExit stop
    /// servers normally; if the test host is killed outright (SIGKILL, a hang timeout) neither runs, so each
    /// fixture first sweeps markers whose owner is gone and stops what they point to.
    /// </summary>
    public static class Ownership
    {
        private static string Directory => Path.Combine(Path.GetTempPath(), "orleanschat-test-servers");

        /// <summary>Records that the current process owns a server; <paramref name="detail"/> is kind-specific (a pid, a data dir).</summary>
        public static string Claim(string kind, string detail)
        {
            System.IO.Directory.CreateDirectory(Directory);
            var marker = Path.Combine(Directory, $"{kind}-{Environment.ProcessId}-{Guid.NewGuid():N}");
            File.WriteAllText(marker, detail);
            return marker;
        }

        public static void Release(string? marker)
        {
            if (marker is null)
            {
                return;
            }

            try
            {
                File.Delete(marker);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Swept by a later run.
            }
        }

        /// <summary>Calls <paramref name="cleanUp"/> with the detail of each <paramref name="kind"/> marker whose owner process is gone.</summary>
        public static void SweepOrphans(string kind, Action<string> cleanUp)
        {
            if (!System.IO.Directory.Exists(Directory))
            {
                return;
            }

            foreach (var marker in System.IO.Directory.GetFiles(Directory, kind + "-*"))
            {
                var parts = Path.GetFileName(marker).Split('-');
                if (parts.Length != 3 || !int.TryParse(parts[1], CultureInfo.InvariantCulture, out var owner) || IsAlive(owner))
                {
                    continue;
                }

                try
                {
                    cleanUp(File.ReadAllText(marker).Trim());
                    File.Delete(marker);
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidOperationException
                                               or TimeoutException or System.ComponentModel.Win32Exception)
                {
                    // Best effort: try again next run.
                }
            }
        }
    }

    /// <summary>Keeps the last lines a long-running child wrote, for error messages.</summary>
    public sealed class OutputTail
    {
        private readonly Queue<string> lines = new();

        public void Add(string? line)
        {
            if (line is null)
            {
                return;
            }

            lock (lines)
            {
                lines.Enqueue(line);
                while (lines.Count > 50)
                {
                    lines.Dequeue();
                }
            }
        }

        public override string ToString()
        {
            lock (lines)
            {
                var builder = new StringBuilder();
                foreach (var line in lines)
                {
                    builder.AppendLine(line);
                }

                return builder.ToString();
            }
        }
    }
}
