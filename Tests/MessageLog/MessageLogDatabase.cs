using Microsoft.Extensions.Logging.Abstractions;
using OrleansChat.Silo.Storage;
using OrleansChat.Tests.Infrastructure;

namespace OrleansChat.Tests.MessageLog;

/// <summary>
/// One database, created by the same migration as <c>Silo migrate</c>, for every PostgreSQL message-log test class of
/// the run: their tests use distinct conversation ids, and one migration is cheaper than one per class.
/// </summary>
internal static class MessageLogDatabase
{
    private static readonly SemaphoreSlim Lock = new(1, 1);
    private static string? _connectionString;

    public static async Task<string> GetAsync(PostgresServer postgres)
    {
        await Lock.WaitAsync();
        try
        {
            if (_connectionString is null)
            {
                var database = await postgres.CreateDatabaseAsync("message_log_" + Guid.NewGuid().ToString("N")[..8]);
                await new PostgresSchemaMigrator(NullLogger<PostgresSchemaMigrator>.Instance).MigrateAsync(database);
                _connectionString = database;
            }

            return _connectionString;
        }
        finally
        {
            Lock.Release();
        }
    }
}
