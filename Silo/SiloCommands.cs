using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using OrleansChat.Silo.Storage;

namespace OrleansChat.Silo;

/// <summary>
/// Command-line verbs of the silo executable that do a job and exit instead of running the silo.
/// Call <see cref="TryRunAsync"/> first thing in Program.cs.
/// </summary>
public static partial class SiloCommands
{
    /// <summary>Configuration key of the PostgreSQL (Npgsql) connection string used for grain storage.</summary>
    public const string PostgresConnectionStringKey = "Storage:Postgres:ConnectionString";

    /// <summary>
    /// Configuration key: how long <c>migrate</c> keeps retrying while the database is unreachable or starting
    /// (transient Npgsql errors), in seconds. Default 60; 0 = try once.
    /// </summary>
    public const string MigrationWaitSecondsKey = "Storage:Postgres:MigrationWaitSeconds";

    /// <summary>Exit code for a bad command line or missing configuration (BSD EX_USAGE).</summary>
    public const int UsageExitCode = 64;

    private const string Usage = """
        Usage: Silo migrate [--connection "<Npgsql connection string>"] [--wait <seconds>]
          Applies the PostgreSQL grain-storage schema (idempotent) and exits 0 (1 on failure, 64 on bad usage).
          Without --connection the connection string is read from configuration key
          Storage:Postgres:ConnectionString (appsettings*.json, or env var Storage__Postgres__ConnectionString).
          --wait (Storage:Postgres:MigrationWaitSeconds, default 60): keep retrying that long while the
          database is unreachable or still starting.
        """;

    /// <summary>
    /// Runs the verb named by <c>args[0]</c>, if any. Returns the process exit code, or <c>null</c> when
    /// <paramref name="args"/> names no verb and the silo should start normally.
    /// </summary>
    public static async Task<int?> TryRunAsync(string[] args, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (args.Length == 0 || !string.Equals(args[0], "migrate", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        return await MigrateAsync(args[1..], cancellationToken);
    }

    private static async Task<int> MigrateAsync(string[] args, CancellationToken cancellationToken)
    {
        if (args.Any(a => a is "--help" or "-h" or "-?"))
        {
            Console.WriteLine(Usage);
            return 0;
        }

        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            Args = args,
            ApplicationName = typeof(SiloCommands).Assembly.GetName().Name,
        });
        builder.Configuration.AddCommandLine(args, new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["--connection"] = PostgresConnectionStringKey,
            ["-c"] = PostgresConnectionStringKey,
            ["--wait"] = MigrationWaitSecondsKey,
        });
        builder.Services.AddSingleton<PostgresSchemaMigrator>();

        // Disposed on return: that flushes the asynchronous console logger before the process exits.
        using var host = builder.Build();
        var logger = host.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(SiloCommands).FullName!);

        var connectionString = builder.Configuration[PostgresConnectionStringKey];
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            LogMissingConnectionString(logger, PostgresConnectionStringKey);
            await Console.Error.WriteLineAsync(Usage);
            return UsageExitCode;
        }

        var waitText = builder.Configuration[MigrationWaitSecondsKey];
        var waitSeconds = 60;
        if (waitText is not null
            && (!int.TryParse(waitText, System.Globalization.CultureInfo.InvariantCulture, out waitSeconds) || waitSeconds < 0))
        {
            LogBadWait(logger, MigrationWaitSecondsKey, waitText);
            return UsageExitCode;
        }

        var migrator = host.Services.GetRequiredService<PostgresSchemaMigrator>();
        var deadline = DateTime.UtcNow.AddSeconds(waitSeconds);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await migrator.MigrateAsync(connectionString, cancellationToken);
                return 0;
            }
            catch (NpgsqlException ex) when (ex.IsTransient && DateTime.UtcNow < deadline)
            {
                var delay = TimeSpan.FromSeconds(Math.Min(attempt * 2, 10));
                LogRetrying(logger, attempt, delay.TotalSeconds, ex.Message);
                await Task.Delay(delay, cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                LogMigrationFailed(logger, ex);
                return 1;
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Error,
        Message = "migrate: no connection string; pass --connection \"...\" or set {Key}")]
    private static partial void LogMissingConnectionString(ILogger logger, string key);

    [LoggerMessage(Level = LogLevel.Error, Message = "migrate: {Key} must be a whole number of seconds >= 0, not '{Value}'")]
    private static partial void LogBadWait(ILogger logger, string key, string value);

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "migrate: attempt {Attempt} failed with a transient error, retrying in {DelaySeconds} s: {Error}")]
    private static partial void LogRetrying(ILogger logger, int attempt, double delaySeconds, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "migrate: schema migration failed")]
    private static partial void LogMigrationFailed(ILogger logger, Exception exception);
}
