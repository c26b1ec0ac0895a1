using Npgsql;

namespace OrleansChat.Grains.Notifications.Postgres;

/// <summary>
/// The SQL of <see cref="PostgresNotificationOutbox"/> on <c>chat_notification_outbox</c> (DDL in
/// Silo/Storage/postgres-grain-storage.sql) and the mapping of its rows, in one place so tests can EXPLAIN the queries.
/// Times are Unix milliseconds (bigint), like <c>chat_messages.ts</c>.
/// </summary>
public static class PostgresOutboxRows
{
    public const string Table = "chat_notification_outbox";
    public const string DueIndexName = "chat_notification_outbox_due";
    public const string FinishedIndexName = "chat_notification_outbox_finished";

    private const string Columns = "id, kind, shard, payload, count, last_seq, last_at, created_at, due_at, attempts, status, done, last_error, finished_at";

    /// <summary>
    /// One statement for the whole batch. A user entry that exists absorbs another message (the newer by seq gives the
    /// payload), unless it is the entry's own last message (the WHERE of the update): a retried write changes nothing.
    /// </summary>
    public const string Enqueue = $"""
        INSERT INTO {Table} AS o (id, kind, shard, payload, count, last_seq, last_at, created_at, due_at, attempts, status, done)
        SELECT t.id, t.kind, t.shard, t.payload, t.count, t.last_seq, t.last_at, t.created_at, t.due_at, 0, 'pending', ARRAY[]::text[]
        FROM unnest(@ids, @kinds, @shards, @payloads, @counts, @last_seqs, @last_ats, @created_ats, @due_ats)
            AS t(id, kind, shard, payload, count, last_seq, last_at, created_at, due_at)
        ON CONFLICT (id) DO UPDATE SET
            count = o.count + EXCLUDED.count,
            last_seq = GREATEST(o.last_seq, EXCLUDED.last_seq),
            last_at = CASE WHEN EXCLUDED.last_seq > o.last_seq THEN EXCLUDED.last_at ELSE o.last_at END,
            payload = CASE WHEN EXCLUDED.last_seq > o.last_seq THEN EXCLUDED.payload ELSE o.payload END
        WHERE o.kind = 'user' AND EXCLUDED.last_seq <> o.last_seq
        """;

    /// <summary>
    /// Claims the due rows: locked rows another worker is claiming are skipped, and each claimed row is due again only
    /// at the lease's end. RETURNING gives the due time the row had before (the joined <c>due</c>), in
    /// <see cref="Columns"/>' order; the outer SELECT orders them, as RETURNING has no order of its own.
    /// </summary>
    public const string ClaimDue = $"""
        WITH due AS (
            SELECT id, due_at FROM {Table}
            WHERE shard = @shard AND status = 'pending' AND due_at <= @now
            ORDER BY due_at
            LIMIT @limit
            FOR UPDATE SKIP LOCKED),
        claimed AS (
            UPDATE {Table} AS o SET due_at = @lease_until
            FROM due WHERE o.id = due.id
            RETURNING o.id, o.kind, o.shard, o.payload, o.count, o.last_seq, o.last_at, o.created_at, due.due_at,
                      o.attempts, o.status, o.done, o.last_error, o.finished_at)
        SELECT {Columns} FROM claimed ORDER BY due_at, id
        """;

    public const string SaveAttempt = $"""
        UPDATE {Table} SET status = @status, attempts = @attempts, due_at = @due_at, done = @done, last_error = @last_error, finished_at = @finished_at
        WHERE id = @id
        """;

    public const string Find = $"SELECT {Columns} FROM {Table} WHERE id = @id";

    public const string Purge = $"""
        DELETE FROM {Table}
        WHERE shard = @shard AND status <> 'pending'
          AND ((status = 'sent' AND finished_at < @sent_before) OR (status = 'dead' AND finished_at < @dead_before))
        """;

    public static string KindText(OutboxEntryKind kind) => kind == OutboxEntryKind.User ? "user" : "webhook";

    public static OutboxEntryKind KindOf(string text) => text == "user" ? OutboxEntryKind.User : OutboxEntryKind.Webhook;

    public static string StatusText(OutboxStatus status) => status switch
    {
        OutboxStatus.Pending => "pending",
        OutboxStatus.Sent => "sent",
        _ => "dead",
    };

    public static OutboxStatus StatusOf(string text) => text switch
    {
        "pending" => OutboxStatus.Pending,
        "sent" => OutboxStatus.Sent,
        "dead" => OutboxStatus.Dead,
        _ => throw new InvalidOperationException($"unknown outbox status '{text}'"),
    };

    /// <summary>A row of <see cref="Columns"/>, in that order.</summary>
    public static OutboxEntry Read(NpgsqlDataReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        return new OutboxEntry(
            Id: reader.GetString(0),
            Kind: KindOf(reader.GetString(1)),
            Shard: reader.GetInt32(2),
            Payload: reader.GetString(3),
            Count: reader.GetInt32(4),
            LastSeq: reader.GetInt64(5),
            LastAt: DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(6)),
            CreatedAt: DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(7)),
            DueAt: DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(8)),
            Attempts: reader.GetInt32(9),
            Status: StatusOf(reader.GetString(10)),
            Done: reader.GetFieldValue<string[]>(11),
            LastError: reader.IsDBNull(12) ? null : reader.GetString(12),
            FinishedAt: reader.IsDBNull(13) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(13)));
    }
}
