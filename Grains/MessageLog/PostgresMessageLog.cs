using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;
using OrleansChat.Model;
using static OrleansChat.Grains.MessageLog.PostgresMessageRows;

namespace OrleansChat.Grains.MessageLog;

/// <summary>
/// The message log in the PostgreSQL table <c>chat_messages</c>, one row per message, primary key (conv, seq)
/// and a unique index on (conv, from_id, client_id) where client_id is set (SQL and mapping:
/// <see cref="PostgresMessageRows"/>). An append is one autocommitted <c>INSERT ... ON CONFLICT DO NOTHING</c>:
/// it returns once committed, which with the server's default <c>synchronous_commit = on</c> means flushed to
/// the write-ahead log. When it inserts nothing, the row it clashed with decides, as in every log: the
/// idempotency key wins (a resend returns the stored original, whatever seq it was stamped with), then an equal
/// message at the same seq is a duplicate, and a different one is a <see cref="SequenceConflictException"/>.
/// Reads are range scans of the primary key.
/// </summary>
public sealed class PostgresMessageLog : IMessageLog, IAsyncDisposable, IDisposable
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly bool _ownsDataSource;

    /// <summary>Connects with <see cref="PostgresMessageLogOptions.ConnectionString"/>; the pool is owned and disposed with the log.</summary>
    public PostgresMessageLog(IOptions<PostgresMessageLogOptions> options)
        : this(CreateDataSource(options), ownsDataSource: true)
    {
    }

    /// <summary>Uses a data source the caller owns (and disposes).</summary>
    public PostgresMessageLog(NpgsqlDataSource dataSource)
        : this(dataSource, ownsDataSource: false)
    {
    }

    private PostgresMessageLog(NpgsqlDataSource dataSource, bool ownsDataSource)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        (_dataSource, _ownsDataSource) = (dataSource, ownsDataSource);
    }

    public async Task<AppendResult> AppendAsync(ChatMessage message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        EnsureStorable(message);
        await using (var insert = _dataSource.CreateCommand(Insert))
        {
            BindMessage(insert, message);
            if (await insert.ExecuteNonQueryAsync(cancellationToken) == 1)
            {
                return new AppendResult(message, Duplicate: false);
            }
        }

        return await ResolveClashAsync(message, cancellationToken);
    }

    public async Task<MessagePage> ReadBeforeAsync(string conv, long? beforeSeq, int limit, CancellationToken cancellationToken = default)
    {
        if (limit <= 0)
        {
            return Empty;
        }

        await using var command = _dataSource.CreateCommand(Before);
        Add(command, "conv", NpgsqlDbType.Text, conv);
        Add(command, "before", NpgsqlDbType.Bigint, beforeSeq ?? long.MaxValue);
        Add(command, "limit", NpgsqlDbType.Bigint, limit + 1L);
        var newestFirst = await ReadAllAsync(command, cancellationToken);
        var more = newestFirst.Count > limit;
        return new MessagePage(newestFirst.Take(limit).Reverse().ToList(), more);
    }

    public async Task<MessagePage> ReadAfterAsync(string conv, long afterSeq, int limit, CancellationToken cancellationToken = default)
    {
        if (limit <= 0)
        {
            return Empty;
        }

        await using var command = _dataSource.CreateCommand(After);
        Add(command, "conv", NpgsqlDbType.Text, conv);
        Add(command, "after", NpgsqlDbType.Bigint, afterSeq);
        Add(command, "limit", NpgsqlDbType.Bigint, limit + 1L);
        var oldestFirst = await ReadAllAsync(command, cancellationToken);
        var more = oldestFirst.Count > limit;
        return new MessagePage(oldestFirst.Take(limit).ToList(), more);
    }

    public async Task<long> GetLastSeqAsync(string conv, CancellationToken cancellationToken = default)
    {
        await using var command = _dataSource.CreateCommand(LastSeq);
        Add(command, "conv", NpgsqlDbType.Text, conv);
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    public ValueTask DisposeAsync() => _ownsDataSource ? _dataSource.DisposeAsync() : ValueTask.CompletedTask;

    public void Dispose()
    {
        if (_ownsDataSource)
        {
            _dataSource.Dispose();
        }
    }

    /// <summary>
    /// Reads what an insert that wrote nothing clashed with. ON CONFLICT waited for any concurrent insert of the
    /// clashing row to commit, and this is a new statement with a new snapshot, so the row is visible here.
    /// </summary>
    private async Task<AppendResult> ResolveClashAsync(ChatMessage message, CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand(Clashing);
        Add(command, "conv", NpgsqlDbType.Text, message.Conv);
        Add(command, "seq", NpgsqlDbType.Bigint, message.Seq);
        Add(command, "from_id", NpgsqlDbType.Text, message.From.Id);
        Add(command, "client_id", NpgsqlDbType.Text, message.ClientId);
        var stored = await ReadAllAsync(command, cancellationToken);

        var original = message.ClientId is null
            ? null
            : stored.FirstOrDefault(m => m.From.Id == message.From.Id && m.ClientId == message.ClientId);
        if (original is not null)
        {
            return new AppendResult(original, Duplicate: true);
        }

        var atSeq = stored.FirstOrDefault(m => m.Seq == message.Seq)
            ?? throw new InvalidOperationException(
                $"Append to '{message.Conv}' at seq {message.Seq} conflicted, but no clashing message was found.");
        return atSeq == message ? new AppendResult(atSeq, Duplicate: true) : throw new SequenceConflictException(message.Conv, message.Seq);
    }

    private static async Task<List<ChatMessage>> ReadAllAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var messages = new List<ChatMessage>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            messages.Add(Read(reader));
        }

        return messages;
    }

    private static NpgsqlDataSource CreateDataSource(IOptions<PostgresMessageLogOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return NpgsqlDataSource.Create(options.Value.PooledConnectionString());
    }

    private static MessagePage Empty { get; } = new([], More: false);
}
