using Npgsql;
using NpgsqlTypes;
using static OrleansChat.Grains.Notifications.Postgres.PostgresOutboxRows;

namespace OrleansChat.Grains.Notifications.Postgres;

/// <summary>
/// The outbox in the PostgreSQL table <c>chat_notification_outbox</c> of the chat database (created by
/// <c>Silo migrate</c>), on the silo's one pool to it (<see cref="Hosting.PostgresChatDatabase"/>). An enqueue batch is
/// one statement; a worker's pass claims a shard's due entries through a partial index of pending rows.
/// </summary>
public sealed class PostgresNotificationOutbox(NpgsqlDataSource dataSource) : INotificationOutbox
{
    public async Task EnqueueAsync(IReadOnlyList<OutboxEntry> entries, CancellationToken cancellationToken = default)
    {
        var merged = OutboxEntries.Merge(entries);
        if (merged.Count == 0)
        {
            return;
        }

        await using var command = dataSource.CreateCommand(Enqueue);
        command.Parameters.Add(new NpgsqlParameter<string[]>("ids", [.. merged.Select(e => e.Id)]) { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter<string[]>("kinds", [.. merged.Select(e => KindText(e.Kind))]) { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter<int[]>("shards", [.. merged.Select(e => e.Shard)]) { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Integer });
        command.Parameters.Add(new NpgsqlParameter<string[]>("payloads", [.. merged.Select(e => e.Payload)]) { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter<int[]>("counts", [.. merged.Select(e => e.Count)]) { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Integer });
        command.Parameters.Add(Times("last_seqs", merged.Select(e => e.LastSeq)));
        command.Parameters.Add(Times("last_ats", merged.Select(e => e.LastAt.ToUnixTimeMilliseconds())));
        command.Parameters.Add(Times("created_ats", merged.Select(e => e.CreatedAt.ToUnixTimeMilliseconds())));
        command.Parameters.Add(Times("due_ats", merged.Select(e => e.DueAt.ToUnixTimeMilliseconds())));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<OutboxEntry>> ClaimDueAsync(int shard, DateTimeOffset now, int limit, DateTimeOffset leaseUntil, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(ClaimDue);
        command.Parameters.Add(new NpgsqlParameter<int>("shard", shard));
        command.Parameters.Add(new NpgsqlParameter<long>("now", now.ToUnixTimeMilliseconds()));
        command.Parameters.Add(new NpgsqlParameter<long>("limit", limit));
        command.Parameters.Add(new NpgsqlParameter<long>("lease_until", leaseUntil.ToUnixTimeMilliseconds()));
        return await ReadAllAsync(command, cancellationToken);
    }

    public async Task SaveAttemptAsync(OutboxEntry entry, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entry);
        await using var command = dataSource.CreateCommand(SaveAttempt);
        command.Parameters.Add(new NpgsqlParameter<string>("id", entry.Id));
        command.Parameters.Add(new NpgsqlParameter<string>("status", StatusText(entry.Status)));
        command.Parameters.Add(new NpgsqlParameter<int>("attempts", entry.Attempts));
        command.Parameters.Add(new NpgsqlParameter<long>("due_at", entry.DueAt.ToUnixTimeMilliseconds()));
        command.Parameters.Add(new NpgsqlParameter<string[]>("done", [.. entry.Done]) { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter("last_error", NpgsqlDbType.Text) { Value = (object?)entry.LastError ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter("finished_at", NpgsqlDbType.Bigint) { Value = (object?)entry.FinishedAt?.ToUnixTimeMilliseconds() ?? DBNull.Value });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<OutboxEntry?> FindAsync(string id, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(Find);
        command.Parameters.Add(new NpgsqlParameter<string>("id", id));
        return (await ReadAllAsync(command, cancellationToken)).SingleOrDefault();
    }

    public async Task<int> PurgeAsync(int shard, DateTimeOffset sentBefore, DateTimeOffset deadBefore, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(Purge);
        command.Parameters.Add(new NpgsqlParameter<int>("shard", shard));
        command.Parameters.Add(new NpgsqlParameter<long>("sent_before", sentBefore.ToUnixTimeMilliseconds()));
        command.Parameters.Add(new NpgsqlParameter<long>("dead_before", deadBefore.ToUnixTimeMilliseconds()));
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static NpgsqlParameter<long[]> Times(string name, IEnumerable<long> values) =>
        new(name, [.. values]) { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint };

    private static async Task<IReadOnlyList<OutboxEntry>> ReadAllAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var entries = new List<OutboxEntry>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            entries.Add(Read(reader));
        }

        return entries;
    }
}
