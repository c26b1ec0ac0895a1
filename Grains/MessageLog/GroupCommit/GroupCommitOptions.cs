using OrleansChat.Grains.MessageLog.Postgres;

namespace OrleansChat.Grains.MessageLog.GroupCommit;

/// <summary>
/// Settings of <see cref="GroupCommitMessageLog"/>, which batches the appends of a durable log (PostgreSQL, MongoDB),
/// bound from <see cref="SectionName"/>. Each lane holds at most one batch in flight, so <see cref="Lanes"/> is also how
/// many of the log's connections appends use at once.
/// </summary>
public sealed class GroupCommitOptions
{
    public const string SectionName = "MessageLog:GroupCommit";

    /// <summary>
    /// Commit lanes; a conversation always uses the same one, so its messages are written in order. One by default:
    /// with four, many small conversations (DM pairs, rooms of 10) made four commits run at once, each of ~3 messages,
    /// and each commit cost the database far more than its rows; one lane makes fewer, larger batches (bench, cluster
    /// shape, same binary, back to back: 1,000 DM pairs at 1,500 sends/s, database 156-180 against 221-253 µs per
    /// delivery and p99 21-40 against 38-64 ms; 100 rooms of 10 at 1,500 sends/s, p99 77-92 ms against 2.4-3.1 s).
    /// </summary>
    public int Lanes { get; set; } = 1;

    /// <summary>At most this many messages in one batch (one statement).</summary>
    public int MaxBatchMessages { get; set; } = 256;

    /// <summary>At most about this many bytes of messages in one batch (a single larger message still goes, alone).</summary>
    public int MaxBatchBytes { get; set; } = 1024 * 1024;

    /// <summary>Per lane, at most this many messages wait for a batch; further appends wait for room (back-pressure).</summary>
    public int MaxQueuedMessages { get; set; } = 4096;

    /// <summary>Throws when a setting cannot work; hosting validates on start so a bad config fails fast.</summary>
    public void Validate()
    {
        if (Problem() is { } problem)
        {
            throw new ArgumentException($"{SectionName}: {problem}.");
        }
    }

    /// <summary>What is wrong with the settings, or null.</summary>
    public string? Problem() =>
        Lanes is < 1 or > 256 ? "Lanes must be 1-256"
        : MaxBatchMessages is < 1 or > PostgresMessageRows.MaxBatchRows ? $"MaxBatchMessages must be 1-{PostgresMessageRows.MaxBatchRows}"
        : MaxBatchBytes < 1024 ? "MaxBatchBytes must be at least 1024"
        : MaxQueuedMessages < MaxBatchMessages ? "MaxQueuedMessages must be at least MaxBatchMessages"
        : null;
}
