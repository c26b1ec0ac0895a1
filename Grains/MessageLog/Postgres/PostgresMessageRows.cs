using System.Data.Common;
using Npgsql;
using NpgsqlTypes;
using OrleansChat.Grains.MessageLog.Encryption;
using OrleansChat.Model;

namespace OrleansChat.Grains.MessageLog.Postgres;

/// <summary>
/// The SQL of <see cref="PostgresMessageLog"/> and the mapping between <see cref="ChatMessage"/> and a row of
/// <c>chat_messages</c> (DDL in Silo/Storage/postgres-grain-storage.sql), in one place so tests can EXPLAIN the
/// reads. The body is stored in typed columns with its kind as discriminator, not as jsonb: the kinds are a
/// closed set of a few scalar fields each, so typed columns let the database check every row's shape (a CHECK
/// per kind) and types (integers stay integers), and no JSON serializer setting can change what is stored.
/// </summary>
public static class PostgresMessageRows
{
    public const string Table = "chat_messages";
    public const string PrimaryKeyName = "chat_messages_pkey";
    public const string IdempotencyIndexName = "chat_messages_client_id_key";

    public const string KindText = "text";
    public const string KindImage = "image";
    public const string KindAudio = "audio";
    public const string KindEncrypted = "enc";
    public const string KindRecall = "recall";
    public const string KindRecalled = "recalled";

    private const string Columns =
        "conv, seq, ts, from_id, from_name, from_avatar, client_id, body_kind, body_text, body_url, body_width, body_height, body_duration_ms, "
        + "body_key_id, body_ciphertext";

    /// <summary>
    /// Inserts one message; a clash with either unique key (the primary key or the idempotency index) writes
    /// nothing and affects 0 rows, and the log then reads what it clashed with (<see cref="Clashing"/>).
    /// </summary>
    public const string Insert =
        $"INSERT INTO {Table} ({Columns}) VALUES (@conv, @seq, @ts, @from_id, @from_name, @from_avatar, @client_id, "
        + "@body_kind, @body_text, @body_url, @body_width, @body_height, @body_duration_ms, @body_key_id, @body_ciphertext) "
        + "ON CONFLICT DO NOTHING";

    /// <summary>
    /// Rows in one batch insert. The rows travel as one array per column, so the statement has no per-row parameters;
    /// the cap keeps one batch's statement (and its commit) short.
    /// </summary>
    public const int MaxBatchRows = 4000;

    /// <summary>
    /// Inserts a batch of messages in one statement (parameters bound by <see cref="BindBatch"/>: one array per column,
    /// so the statement text is the same for every batch size and PostgreSQL parses one statement, not one per size)
    /// and returns (conv, seq) of each row it wrote. A row clashing with either unique key is skipped, as in
    /// <see cref="Insert"/>. A row that is a resend of an original stored at another seq leaves its own seq unused, so
    /// the rows of the same conversation above it are not written either (the <c>resent</c> filter): a later row
    /// there would sit above a hole. The log resolves every row not returned (<see cref="Clashing"/>).
    /// Both CTEs are MATERIALIZED: inlined, the resend probe ran once per pair of rows (quadratic in the batch size);
    /// materialized, it runs once per row with a client id, and the filter reads a set that is almost always empty.
    /// The probe is a LATERAL subquery with LIMIT (the idempotency key is unique), which PostgreSQL cannot turn into a
    /// join over the whole table: as an EXISTS it was planned as a hash semi join over a scan of <c>chat_messages</c>
    /// when the statement was prepared while the table was small, and that generic plan stayed cached on the connection
    /// as the table grew (145,000 rows, 42 ms per batch, the database at 100 % CPU at 250 DM sends/s). With sequential
    /// scans off in the chat database's sessions (<c>PostgresChatDatabase</c>), the probe is always an index lookup.
    /// </summary>
    public const string InsertBatch =
        "WITH input AS MATERIALIZED (SELECT * FROM unnest(@conv, @seq, @ts, @from_id, @from_name, @from_avatar, @client_id, "
        + $"@body_kind, @body_text, @body_url, @body_width, @body_height, @body_duration_ms, @body_key_id, @body_ciphertext) AS t({Columns})), "
        + "resent AS MATERIALIZED (SELECT i.conv, min(i.seq) AS seq FROM input AS i CROSS JOIN LATERAL ("
        + $"SELECT m.seq FROM {Table} AS m WHERE m.conv = i.conv AND m.from_id = i.from_id AND m.client_id = i.client_id LIMIT 1) AS m "
        + "WHERE i.client_id IS NOT NULL AND m.seq <> i.seq GROUP BY i.conv) "
        + $"INSERT INTO {Table} ({Columns}) SELECT {Columns} FROM input AS i "
        + "WHERE NOT EXISTS (SELECT 1 FROM resent AS r WHERE r.conv = i.conv AND r.seq < i.seq) "
        + "ON CONFLICT DO NOTHING RETURNING conv, seq";

    /// <summary>Binds <paramref name="messages"/> to <see cref="InsertBatch"/>'s parameters: one array per column, rows in order.</summary>
    public static void BindBatch(NpgsqlCommand command, IReadOnlyList<ChatMessage> messages)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(messages);
        var bodies = messages.Select(m => Flatten(m.Body)).ToArray();
        AddArray(command, "conv", NpgsqlDbType.Text, messages.Select(m => m.Conv).ToArray());
        AddArray(command, "seq", NpgsqlDbType.Bigint, messages.Select(m => m.Seq).ToArray());
        AddArray(command, "ts", NpgsqlDbType.Bigint, messages.Select(m => m.Ts).ToArray());
        AddArray(command, "from_id", NpgsqlDbType.Text, messages.Select(m => m.From.Id).ToArray());
        AddArray(command, "from_name", NpgsqlDbType.Text, messages.Select(m => m.From.Name).ToArray());
        AddArray(command, "from_avatar", NpgsqlDbType.Text, messages.Select(m => m.From.AvatarUrl).ToArray());
        AddArray(command, "client_id", NpgsqlDbType.Text, messages.Select(m => m.ClientId).ToArray());
        AddArray(command, "body_kind", NpgsqlDbType.Text, bodies.Select(b => b.Kind).ToArray());
        AddArray(command, "body_text", NpgsqlDbType.Text, bodies.Select(b => b.Text).ToArray());
        AddArray(command, "body_url", NpgsqlDbType.Text, bodies.Select(b => b.Url).ToArray());
        AddArray(command, "body_width", NpgsqlDbType.Integer, bodies.Select(b => b.Width).ToArray());
        AddArray(command, "body_height", NpgsqlDbType.Integer, bodies.Select(b => b.Height).ToArray());
        AddArray(command, "body_duration_ms", NpgsqlDbType.Integer, bodies.Select(b => b.DurationMs).ToArray());
        AddArray(command, "body_key_id", NpgsqlDbType.Text, bodies.Select(b => b.KeyId).ToArray());
        AddArray(command, "body_ciphertext", NpgsqlDbType.Bytea, bodies.Select(b => b.Ciphertext).ToArray());
    }

    /// <summary>The stored message at (conv, seq) and the one with the same (conv, sender, client id), if any.</summary>
    public const string Clashing =
        $"SELECT {Columns} FROM {Table} WHERE conv = @conv AND seq = @seq "
        + $"UNION ALL SELECT {Columns} FROM {Table} WHERE conv = @conv AND from_id = @from_id AND client_id = @client_id";

    /// <summary>History: the newest <c>@limit</c> below <c>@before</c>, walking the primary key backwards.</summary>
    public const string Before =
        $"SELECT {Columns} FROM {Table} WHERE conv = @conv AND seq < @before ORDER BY seq DESC LIMIT @limit";

    /// <summary>Sync: the oldest <c>@limit</c> above <c>@after</c>, walking the primary key forwards.</summary>
    public const string After =
        $"SELECT {Columns} FROM {Table} WHERE conv = @conv AND seq > @after ORDER BY seq LIMIT @limit";

    /// <summary>The last seq, read from the end of the primary key alone (0 for an empty conversation).</summary>
    /// <summary>Erases a recalled message's content in place: every body column but the kind becomes NULL.</summary>
    public const string Erase =
        $"UPDATE {Table} SET body_kind = '{KindRecalled}', body_text = NULL, body_url = NULL, body_width = NULL, body_height = NULL, "
        + "body_duration_ms = NULL, body_key_id = NULL, body_ciphertext = NULL WHERE conv = @conv AND seq = @seq";

    public const string LastSeq =
        $"SELECT COALESCE((SELECT seq FROM {Table} WHERE conv = @conv ORDER BY seq DESC LIMIT 1), 0)";

    /// <summary>Binds every column of <paramref name="message"/> to <see cref="Insert"/>'s (and <see cref="Clashing"/>'s) parameters.</summary>
    public static void BindMessage(NpgsqlCommand command, ChatMessage message)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(message);
        var body = Flatten(message.Body);
        Add(command, "conv", NpgsqlDbType.Text, message.Conv);
        Add(command, "seq", NpgsqlDbType.Bigint, message.Seq);
        Add(command, "ts", NpgsqlDbType.Bigint, message.Ts);
        Add(command, "from_id", NpgsqlDbType.Text, message.From.Id);
        Add(command, "from_name", NpgsqlDbType.Text, message.From.Name);
        Add(command, "from_avatar", NpgsqlDbType.Text, message.From.AvatarUrl);
        Add(command, "client_id", NpgsqlDbType.Text, message.ClientId);
        Add(command, "body_kind", NpgsqlDbType.Text, body.Kind);
        Add(command, "body_text", NpgsqlDbType.Text, body.Text);
        Add(command, "body_url", NpgsqlDbType.Text, body.Url);
        Add(command, "body_width", NpgsqlDbType.Integer, body.Width);
        Add(command, "body_height", NpgsqlDbType.Integer, body.Height);
        Add(command, "body_duration_ms", NpgsqlDbType.Integer, body.DurationMs);
        Add(command, "body_key_id", NpgsqlDbType.Text, body.KeyId);
        Add(command, "body_ciphertext", NpgsqlDbType.Bytea, body.Ciphertext);
    }

    public static void Add(NpgsqlCommand command, string name, NpgsqlDbType type, object? value)
    {
        ArgumentNullException.ThrowIfNull(command);
        command.Parameters.Add(new NpgsqlParameter(name, type) { Value = value ?? DBNull.Value });
    }

    private static void AddArray<T>(NpgsqlCommand command, string name, NpgsqlDbType elementType, T[] values) =>
        command.Parameters.Add(new NpgsqlParameter(name, NpgsqlDbType.Array | elementType) { Value = values });

    /// <summary>Reads the row the reader is on (columns in the order of every SELECT above).</summary>
    public static ChatMessage Read(DbDataReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        return new ChatMessage(
            Conv: reader.GetString(0),
            Seq: reader.GetInt64(1),
            Ts: reader.GetInt64(2),
            From: new UserProfile(reader.GetString(3), reader.GetString(4), OptionalString(reader, 5)),
            Body: ReadBody(reader),
            ClientId: OptionalString(reader, 6));
    }

    /// <summary>
    /// PostgreSQL text cannot hold U+0000; a message carrying one is refused as a bad request before it reaches
    /// the database, so the sender gets a clear error instead of an internal one it would resend forever.
    /// </summary>
    public static void EnsureStorable(ChatMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var body = Flatten(message.Body);
        if (HasNul(message.Conv) || HasNul(message.From.Id) || HasNul(message.From.Name) || HasNul(message.From.AvatarUrl)
            || HasNul(message.ClientId) || HasNul(body.Text) || HasNul(body.Url) || HasNul(body.KeyId))
        {
            throw ChatException.BadRequest("the message contains the character U+0000, which cannot be stored");
        }
    }

    // Checked field by field: an array of the fields per message was 3.1 % of the silo's allocated bytes at 8,000 DM sends/s.
    private static bool HasNul(string? field) => field is not null && field.Contains('\0', StringComparison.Ordinal);

    /// <summary>
    /// The sealed body is stored as raw bytes (bytea), a quarter smaller than its base64 and never mistaken for text;
    /// base64 is canonical both ways, so the <see cref="EncryptedBody"/> read back equals the one written.
    /// </summary>
    private static BodyColumns Flatten(MessageBody body) => body switch
    {
        TextBody text => new(KindText, Text: text.Text),
        ImageBody image => new(KindImage, Url: image.StoredUrl, Width: image.Width, Height: image.Height),
        AudioBody audio => new(KindAudio, Url: audio.StoredUrl, DurationMs: audio.DurationMs),
        EncryptedBody encrypted => new(KindEncrypted, KeyId: encrypted.KeyId, Ciphertext: Convert.FromBase64String(encrypted.Data)),
        RecallBody recall => new(KindRecall, Text: recall.Seq.ToString(System.Globalization.CultureInfo.InvariantCulture)), // the recalled seq, in the text column
        RecalledBody => new(KindRecalled),
        null => throw new ArgumentNullException(nameof(body)),
        _ => throw new ArgumentException($"Unknown message body type {body.GetType().Name}.", nameof(body)),
    };

    private static MessageBody ReadBody(DbDataReader reader)
    {
        var kind = reader.GetString(7);
        return kind switch
        {
            KindText => new TextBody(reader.GetString(8)),
            KindImage => new ImageBody(reader.GetString(9), OptionalInt32(reader, 10), OptionalInt32(reader, 11)),
            KindAudio => new AudioBody(reader.GetString(9), reader.GetInt32(12)),
            KindEncrypted => new EncryptedBody(reader.GetString(13), Convert.ToBase64String(reader.GetFieldValue<byte[]>(14))),
            KindRecall => new RecallBody(long.Parse(reader.GetString(8), System.Globalization.CultureInfo.InvariantCulture)),
            KindRecalled => new RecalledBody(),
            _ => throw new FormatException($"Stored message body has unknown kind '{kind}'."),
        };
    }

    /// <summary>A body spread over the typed columns; those its kind does not use are null.</summary>
    private readonly record struct BodyColumns(
        string Kind, string? Text = null, string? Url = null, int? Width = null, int? Height = null, int? DurationMs = null,
        string? KeyId = null, byte[]? Ciphertext = null);

    private static string? OptionalString(DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    private static int? OptionalInt32(DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetInt32(ordinal);
}
