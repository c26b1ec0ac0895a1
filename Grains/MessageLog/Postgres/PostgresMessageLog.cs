using Npgsql;
using NpgsqlTypes;
using OrleansChat.Model;
using static OrleansChat.Grains.MessageLog.Postgres.PostgresMessageRows;

namespace OrleansChat.Grains.MessageLog.Postgres;

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
public sealed class PostgresMessageLog : IMessageLog
{
    private readonly NpgsqlDataSource _dataSource;

    /// <summary>
    /// Uses a data source the caller owns and disposes: in a silo, <see cref="Hosting.PostgresChatDatabase"/>'s pool,
    /// shared with every other table of the chat database.
    /// </summary>
    public PostgresMessageLog(NpgsqlDataSource dataSource)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        _dataSource = dataSource;
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

    /// <summary>
    /// One <c>INSERT ... SELECT FROM unnest(...) ON CONFLICT DO NOTHING RETURNING conv, seq</c> (<see cref="InsertBatch"/>), autocommitted:
    /// every row it writes is durable together. The rows it did not write are resolved one by one as
    /// <see cref="AppendAsync"/> resolves a clash (rare: resends and stale writers), lowest seq first, so a resend found
    /// there stops its conversation's later rows (<see cref="SeqHoles"/>). At most <see cref="MaxBatchRows"/> messages.
    /// </summary>
    public async Task<IReadOnlyList<AppendOutcome>> AppendBatchAsync(IReadOnlyList<ChatMessage> messages, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(messages.Count, MaxBatchRows, nameof(messages));
        var outcomes = new AppendOutcome?[messages.Count];
        var holes = new SeqHoles();
        RefuseUnstorable(messages, outcomes, holes);
        var rows = messages.Where((m, i) => outcomes[i] is null && !holes.Blocks(m)).ToList();
        var written = rows.Count == 0 ? [] : await InsertRowsAsync(rows, cancellationToken);

        foreach (var i in Enumerable.Range(0, messages.Count).OrderBy(i => messages[i].Seq))
        {
            var message = messages[i];
            if (outcomes[i] is not null)
            {
                continue;
            }

            outcomes[i] = written.Remove((message.Conv, message.Seq)) ? AppendOutcome.Of(new AppendResult(message, Duplicate: false))
                : holes.Blocks(message) ? AppendOutcome.Aborted(message)
                : await ResolveOneAsync(message, cancellationToken);
            if (outcomes[i]!.LeavesSeqUnused(message))
            {
                holes.Add(message);
            }
        }

        return outcomes!;
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

    public async Task<bool> EraseAsync(string conv, long seq, CancellationToken cancellationToken = default)
    {
        await using var command = _dataSource.CreateCommand(Erase);
        Add(command, "conv", NpgsqlDbType.Text, conv);
        Add(command, "seq", NpgsqlDbType.Bigint, seq);
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    public async Task<long> GetLastSeqAsync(string conv, CancellationToken cancellationToken = default)
    {
        await using var command = _dataSource.CreateCommand(LastSeq);
        Add(command, "conv", NpgsqlDbType.Text, conv);
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
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

    /// <summary>A message PostgreSQL cannot hold fails alone, before the insert, and its conversation's later rows with it.</summary>
    private static void RefuseUnstorable(IReadOnlyList<ChatMessage> messages, AppendOutcome?[] outcomes, SeqHoles holes)
    {
        for (var i = 0; i < messages.Count; i++)
        {
            try
            {
                EnsureStorable(messages[i]);
            }
            catch (ChatException refused)
            {
                outcomes[i] = AppendOutcome.Failed(refused);
                holes.Add(messages[i]);
            }
        }
    }

    private async Task<HashSet<(string Conv, long Seq)>> InsertRowsAsync(List<ChatMessage> rows, CancellationToken cancellationToken)
    {
        await using var insert = _dataSource.CreateCommand(InsertBatch);
        BindBatch(insert, rows);

        var written = new HashSet<(string Conv, long Seq)>(rows.Count);
        await using var reader = await insert.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            written.Add((reader.GetString(0), reader.GetInt64(1)));
        }

        return written;
    }

    private async Task<AppendOutcome> ResolveOneAsync(ChatMessage message, CancellationToken cancellationToken)
    {
        try
        {
            return AppendOutcome.Of(await ResolveClashAsync(message, cancellationToken));
        }
        catch (SequenceConflictException conflict)
        {
            return AppendOutcome.Failed(conflict);
        }
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

    private static MessagePage Empty { get; } = new([], More: false);
}
