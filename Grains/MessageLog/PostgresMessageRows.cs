using System.Data.Common;
using Npgsql;
using NpgsqlTypes;
using OrleansChat.Model;

namespace OrleansChat.Grains.MessageLog;

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

    /// <summary>Rows in one batch insert: 15 parameters a row, under PostgreSQL's 65,535 parameters a statement.</summary>
    public const int MaxBatchRows = 4000;

    private const int ColumnCount = 15;

    /// <summary>
    /// Inserts <paramref name="rows"/> messages in one statement (parameters bound by <see cref="BindBatchRow"/>, in
    /// order) and returns (conv, seq) of each row it wrote. A row clashing with either unique key is skipped, as in
    /// <see cref="Insert"/>. A row that is a resend of an original stored at another seq leaves its own seq unused, so
    /// the rows of the same conversation above it are not written either (the <c>resent</c> filter): a later row
    /// there would sit above a hole. The log resolves every row not returned (<see cref="Clashing"/>).
    /// </summary>
    public static string InsertBatch(int rows)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rows, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(rows, MaxBatchRows);
        var values = new System.Text.StringBuilder(rows * 100);
        for (var row = 0; row < rows; row++)
        {
            values.Append(row == 0 ? "(" : ", (");
            for (var column = 1; column <= ColumnCount; column++)
            {
                values.Append(column == 1 ? "$" : ", $").Append((row * ColumnCount) + column);
            }

            values.Append(')');
        }

        return $"WITH input ({Columns}) AS (VALUES {values}), "
            + "resent AS (SELECT i.conv, i.seq FROM input AS i WHERE i.client_id IS NOT NULL AND EXISTS ("
            + $"SELECT 1 FROM {Table} AS m WHERE m.conv = i.conv AND m.from_id = i.from_id AND m.client_id = i.client_id AND m.seq <> i.seq)) "
            + $"INSERT INTO {Table} ({Columns}) SELECT {Columns} FROM input AS i "
            + "WHERE NOT EXISTS (SELECT 1 FROM resent AS r WHERE r.conv = i.conv AND r.seq < i.seq) "
            + "ON CONFLICT DO NOTHING RETURNING conv, seq";
    }

    /// <summary>Appends one row's parameters to <see cref="InsertBatch"/>'s command, positional and in column order.</summary>
    public static void BindBatchRow(NpgsqlCommand command, ChatMessage message)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(message);
        var body = Flatten(message.Body);
        AddPositional(command, NpgsqlDbType.Text, message.Conv);
        AddPositional(command, NpgsqlDbType.Bigint, message.Seq);
        AddPositional(command, NpgsqlDbType.Bigint, message.Ts);
        AddPositional(command, NpgsqlDbType.Text, message.From.Id);
        AddPositional(command, NpgsqlDbType.Text, message.From.Name);
        AddPositional(command, NpgsqlDbType.Text, message.From.AvatarUrl);
        AddPositional(command, NpgsqlDbType.Text, message.ClientId);
        AddPositional(command, NpgsqlDbType.Text, body.Kind);
        AddPositional(command, NpgsqlDbType.Text, body.Text);
        AddPositional(command, NpgsqlDbType.Text, body.Url);
        AddPositional(command, NpgsqlDbType.Integer, body.Width);
        AddPositional(command, NpgsqlDbType.Integer, body.Height);
        AddPositional(command, NpgsqlDbType.Integer, body.DurationMs);
        AddPositional(command, NpgsqlDbType.Text, body.KeyId);
        AddPositional(command, NpgsqlDbType.Bytea, body.Ciphertext);
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

    private static void AddPositional(NpgsqlCommand command, NpgsqlDbType type, object? value) =>
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = type, Value = value ?? DBNull.Value });

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
        string?[] fields = [message.Conv, message.From.Id, message.From.Name, message.From.AvatarUrl, message.ClientId, body.Text, body.Url, body.KeyId];
        if (fields.Any(f => f is not null && f.Contains('\0', StringComparison.Ordinal)))
        {
            throw ChatException.BadRequest("the message contains the character U+0000, which cannot be stored");
        }
    }

    /// <summary>
    /// The sealed body is stored as raw bytes (bytea), a quarter smaller than its base64 and never mistaken for text;
    /// base64 is canonical both ways, so the <see cref="EncryptedBody"/> read back equals the one written.
    /// </summary>
    private static BodyColumns Flatten(MessageBody body) => body switch
    {
        TextBody text => new(KindText, Text: text.Text),
        ImageBody image => new(KindImage, Url: image.Url, Width: image.Width, Height: image.Height),
        AudioBody audio => new(KindAudio, Url: audio.Url, DurationMs: audio.DurationMs),
        EncryptedBody encrypted => new(KindEncrypted, KeyId: encrypted.KeyId, Ciphertext: Convert.FromBase64String(encrypted.Data)),
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
