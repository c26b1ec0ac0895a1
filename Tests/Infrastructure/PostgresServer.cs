using System.Diagnostics;
using System.Globalization;
using Npgsql;

namespace OrleansChat.Tests.Infrastructure;

/// <summary>
/// A throwaway PostgreSQL cluster (initdb into a temp dir, <c>pg_ctl start</c> on a free 127.0.0.1 port),
/// started once per test run (xunit collection fixture: <c>[Collection(PostgresFixtureDefinition.Name)]</c>).
/// PostgreSQL refuses to run as root, so as root every server binary runs as user <c>postgres</c> through
/// <c>runuser</c>. Dispose (and, as a last resort, process exit) stops the server with
/// <c>pg_ctl -m fast stop</c>, kills the postmaster if that fails, and deletes the directory.
/// </summary>
public sealed class PostgresServer : ThrowawayServer
{
    private const string SuperUser = "orleans";
    private const string DefaultDatabase = "orleanschat";
    private const string InstallHint =
        "Install the PostgreSQL server binaries (Debian/Ubuntu: apt-get install -y postgresql) so that initdb and pg_ctl "
        + "are on PATH or in /usr/lib/postgresql/<version>/bin.";

    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(60);

    private readonly Lock stopLock = new();
    private string? initdb;
    private string? pgCtl;
    private string? rootDirectory;
    private string? ownershipMarker;
    private bool started;

    /// <summary>
    /// Extra server settings (<c>name=value</c>, passed as <c>-c</c>), for a test that starts a server of its own, e.g.
    /// <c>new PostgresServer { Settings = ["max_connections=40"] }</c> then <see cref="InitializeAsync"/> and dispose.
    /// The shared fixture sets none.
    /// </summary>
    public IReadOnlyList<string> Settings { get; init; } = [];

    /// <summary>Npgsql connection string of the database <c>orleanschat</c>.</summary>
    public string ConnectionString { get; private set; } = string.Empty;

    public int Port { get; private set; }

    private string DataDirectory => Path.Combine(rootDirectory!, "data");

    public override async Task InitializeAsync()
    {
        initdb = FindServerBinary("initdb");
        pgCtl = FindServerBinary("pg_ctl");
        ExternalProcess.Ownership.SweepOrphans("postgres", StopOrphan);
        StopOnProcessExit();
        try
        {
            rootDirectory = await CreateRootDirectoryAsync();
            ownershipMarker = ExternalProcess.Ownership.Claim("postgres", rootDirectory);
            await RunCheckedAsync(initdb, "-D", DataDirectory, "-U", SuperUser, "--auth=trust", "-E", "UTF8", "--no-sync");
            await StartOnFreePortAsync();
            ConnectionString = await CreateDatabaseAsync(DefaultDatabase);
        }
        catch
        {
            Stop();
            throw;
        }
    }

    /// <summary>Creates an empty database and returns its connection string (one per test keeps tests independent).</summary>
    public async Task<string> CreateDatabaseAsync(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        await using var connection = new NpgsqlConnection(BuildConnectionString("postgres"));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name.Replace("\"", "\"\"", StringComparison.Ordinal)}\"", connection);
        await command.ExecuteNonQueryAsync();
        return BuildConnectionString(name);
    }

    private string BuildConnectionString(string database) => new NpgsqlConnectionStringBuilder
    {
        Host = "127.0.0.1",
        Port = Port,
        Username = SuperUser,
        Database = database,
        Timeout = 10,
    }.ConnectionString;

    private static string FindServerBinary(string name)
    {
        var versioned = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql")
                .OrderByDescending(d => int.TryParse(Path.GetFileName(d), out var v) ? v : 0)
                .Select(d => Path.Combine(d, "bin"))
            : [];
        return ExternalProcess.FindExecutable(name, versioned)
            ?? throw new InvalidOperationException($"PostgreSQL '{name}' was not found. {InstallHint}");
    }

    private static async Task<string> CreateRootDirectoryAsync()
    {
        if (!ExternalProcess.IsRoot)
        {
            return Directory.CreateTempSubdirectory("orleanschat-pg.").FullName;
        }

        // As root the directory must belong to postgres (initdb and the server run as that user).
        var result = await RunAsPostgresAsync("mktemp", "-d", Path.Combine(Path.GetTempPath(), "orleanschat-pg.XXXXXX"));
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"Could not create a temp directory as user postgres: {result.Describe()}");
        }

        return result.StdOut.Trim();
    }

    private async Task StartOnFreePortAsync()
    {
        ExternalProcess.Result? last = null;
        for (var attempt = 0; attempt < 3; attempt++)
        {
            Port = ExternalProcess.GetFreePort();
            last = await StartOnPortAsync();
            if (last.ExitCode == 0)
            {
                started = true;
                return;
            }
        }

        throw new InvalidOperationException($"pg_ctl start failed: {last!.Describe()}\nserver.log:\n{ReadServerLog()}");
    }

    private Task<ExternalProcess.Result> StartOnPortAsync()
    {
        var serverOptions = string.Join(' ',
            "-p", Port.ToString(CultureInfo.InvariantCulture),
            "-k", rootDirectory!,
            "-c", "listen_addresses=127.0.0.1",
            "-c", "fsync=off",
            "-c", "synchronous_commit=off",
            "-c", "full_page_writes=off",
            string.Join(' ', Settings.Select(setting => "-c " + setting)));
        return RunAsPostgresAsync(pgCtl!, "-D", DataDirectory, "-o", serverOptions,
            "-l", Path.Combine(rootDirectory!, "server.log"), "-w", "-t", "30", "start");
    }

    /// <summary>Stops the server (a fast shutdown: open connections are cut) and keeps its data, for <see cref="StartAgainAsync"/>.</summary>
    public async Task StopAsync()
    {
        var result = await RunAsPostgresAsync(pgCtl!, "-D", DataDirectory, "-m", "fast", "-w", "-t", "30", "stop");
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"pg_ctl stop failed: {result.Describe()}\nserver.log:\n{ReadServerLog()}");
        }
    }

    /// <summary>Starts the server stopped by <see cref="StopAsync"/> again on its port, with its data.</summary>
    public async Task StartAgainAsync()
    {
        var result = await StartOnPortAsync();
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"pg_ctl start failed: {result.Describe()}\nserver.log:\n{ReadServerLog()}");
        }
    }

    /// <summary>Restarts the server on its port (a fast shutdown: open connections are cut), as an operator or a crash-restart would.</summary>
    public async Task RestartAsync()
    {
        // With its log file, as at the start: without one the new server would hold pg_ctl's output open, and wait us forever.
        var result = await RunAsPostgresAsync(pgCtl!, "-D", DataDirectory, "-l", Path.Combine(rootDirectory!, "server.log"), "-m", "fast", "-w", "-t", "30", "restart");
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"pg_ctl restart failed: {result.Describe()}\nserver.log:\n{ReadServerLog()}");
        }
    }

    /// <summary>What the server has logged so far (connection refusals such as <c>too many clients</c> show here).</summary>
    public string ReadServerLog()
    {
        try
        {
            return File.ReadAllText(Path.Combine(rootDirectory!, "server.log"));
        }
        catch (IOException ex)
        {
            return $"(unreadable: {ex.Message})";
        }
    }

    private static async Task RunCheckedAsync(string fileName, params string[] arguments)
    {
        var result = await RunAsPostgresAsync(fileName, arguments);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"{Path.GetFileName(fileName)} failed: {result.Describe()}");
        }
    }

    private static Task<ExternalProcess.Result> RunAsPostgresAsync(string fileName, params string[] arguments)
    {
        if (!ExternalProcess.IsRoot)
        {
            return ExternalProcess.RunAsync(fileName, arguments, CommandTimeout);
        }

        var runuser = ExternalProcess.FindExecutable("runuser", ["/usr/sbin", "/sbin"]);
        if (runuser is not null)
        {
            return ExternalProcess.RunAsync(runuser, ["-u", "postgres", "--", fileName, .. arguments], CommandTimeout);
        }

        var su = ExternalProcess.FindExecutable("su", ["/bin", "/usr/bin"])
            ?? throw new InvalidOperationException("Running as root, but neither runuser nor su is available to run PostgreSQL as user postgres.");
        var commandLine = string.Join(' ', new[] { fileName }.Concat(arguments).Select(ShellQuote));
        return ExternalProcess.RunAsync(su, ["-s", "/bin/sh", "postgres", "-c", commandLine], CommandTimeout);

        static string ShellQuote(string s) => "'" + s.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
    }

    /// <summary>Stops the server and deletes its directory. Safe to call more than once, synchronously (process exit).</summary>
    protected override void Stop()
    {
        lock (stopLock)
        {
            if (rootDirectory is null)
            {
                return;
            }

            NpgsqlConnection.ClearAllPools();
            if (started && pgCtl is not null)
            {
                var stopped = false;
                try
                {
                    var result = Task.Run(() => RunAsPostgresAsync(pgCtl, "-D", DataDirectory, "-m", "fast", "-w", "-t", "20", "stop"))
                        .GetAwaiter().GetResult();
                    stopped = result.ExitCode == 0;
                }
                catch (Exception ex) when (ex is TimeoutException or InvalidOperationException or System.ComponentModel.Win32Exception)
                {
                    stopped = false;
                }

                if (!stopped)
                {
                    KillPostmaster(DataDirectory);
                }

                started = false;
            }

            try
            {
                Directory.Delete(rootDirectory, recursive: true);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // A leftover temp directory is harmless; a leftover server is not, and was handled above.
            }

            rootDirectory = null;
            ExternalProcess.Ownership.Release(Interlocked.Exchange(ref ownershipMarker, null));
        }
    }

    /// <summary>Stops a server left behind by a test process that was killed, and deletes its directory.</summary>
    private void StopOrphan(string orphanRoot)
    {
        if (!Path.GetFileName(orphanRoot).StartsWith("orleanschat-pg.", StringComparison.Ordinal) || !Directory.Exists(orphanRoot))
        {
            return;
        }

        var orphanData = Path.Combine(orphanRoot, "data");
        if (File.Exists(Path.Combine(orphanData, "postmaster.pid")))
        {
            var result = Task.Run(() => RunAsPostgresAsync(pgCtl!, "-D", orphanData, "-m", "immediate", "-w", "-t", "20", "stop")).GetAwaiter().GetResult();
            if (result.ExitCode != 0)
            {
                KillPostmaster(orphanData);
            }
        }

        Directory.Delete(orphanRoot, recursive: true);
    }

    private static void KillPostmaster(string dataDirectory)
    {
        try
        {
            var pidFile = Path.Combine(dataDirectory, "postmaster.pid");
            if (File.Exists(pidFile)
                && int.TryParse(File.ReadLines(pidFile).FirstOrDefault(), CultureInfo.InvariantCulture, out var pid))
            {
                using var postmaster = Process.GetProcessById(pid);
                postmaster.Kill(entireProcessTree: true);
                postmaster.WaitForExit(5000);
            }
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or IOException
                                       or System.ComponentModel.Win32Exception)
        {
            // Already gone.
        }
    }
}

[CollectionDefinition(Name)]
public sealed class PostgresFixtureDefinition : ICollectionFixture<PostgresServer>
{
    public const string Name = "PostgreSQL server";
}
