using Npgsql;
using OrleansChat.Tests.Infrastructure;

namespace OrleansChat.Tests.MessageLog;

/// <summary>A test class's own pool on the shared <see cref="MessageLogDatabase"/>: made on first use, closed with the class.</summary>
internal sealed class MessageLogPool(PostgresServer postgres)
{
    private NpgsqlDataSource? _dataSource;

    public async Task<NpgsqlDataSource> GetAsync() => _dataSource ??= NpgsqlDataSource.Create(await MessageLogDatabase.GetAsync(postgres));

    public async Task CloseAsync()
    {
        if (_dataSource is not null)
        {
            await _dataSource.DisposeAsync();
        }
    }
}
