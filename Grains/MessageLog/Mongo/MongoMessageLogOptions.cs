using MongoDB.Bson;
using MongoDB.Driver;

namespace OrleansChat.Grains.MessageLog.Mongo;

/// <summary>
/// Settings of <see cref="MongoMessageLog"/>, bound from the configuration section <see cref="SectionName"/>.
/// </summary>
public sealed class MongoMessageLogOptions
{
    public const string SectionName = "MessageLog:Mongo";

    /// <summary>A standard <c>mongodb://</c> or <c>mongodb+srv://</c> connection string. Required.</summary>
    public string ConnectionString { get; set; } = "";

    /// <summary>The database holding the messages and the room members.</summary>
    public string Database { get; set; } = "orleanschat";

    /// <summary>The collection of messages (one document each).</summary>
    public string Collection { get; set; } = "messages";

    /// <summary>
    /// How many members must acknowledge an append before it returns: <c>majority</c> (default; survives a
    /// failover), <c>1</c>/<c>w1</c> (the primary alone) or <c>acknowledged</c> (the server's default write
    /// concern). Unacknowledged writes (<c>0</c>) are refused: the log's contract is "durable before return".
    /// </summary>
    public string WriteConcern { get; set; } = "majority";

    /// <summary>Ask for the write to be in the on-disk journal before it is acknowledged (<c>j: true</c>).</summary>
    public bool JournalWrites { get; set; } = true;

    /// <summary>
    /// The bound on each step of an operation: server selection and connecting, waiting for the write concern
    /// (<c>wtimeout</c>; the write may still land, and a resend with its client id is then a duplicate) and each
    /// read's server time (<c>maxTimeMS</c>). Null: the driver's and server's defaults.
    /// </summary>
    public TimeSpan? Timeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The driver write concern that <see cref="WriteConcern"/> and <see cref="JournalWrites"/> describe.</summary>
    public WriteConcern ToWriteConcern() => ParseWriteConcern(WriteConcern, JournalWrites, Timeout);

    /// <summary>
    /// A collection of the log's database for what lives beside the messages (room members, read cursors, the room
    /// directory, the notification outbox): the log's write concern, reads from the primary so that a grain
    /// reactivated on another silo reads its own writes.
    /// </summary>
    public IMongoCollection<BsonDocument> CollectionBesideTheLog(IMongoClient client, string name)
    {
        ArgumentNullException.ThrowIfNull(client);
        return client
            .GetDatabase(Database)
            .GetCollection<BsonDocument>(name)
            .WithWriteConcern(ToWriteConcern())
            .WithReadPreference(ReadPreference.Primary);
    }

    /// <summary>
    /// Maps the configured spelling to a driver write concern: <c>majority</c> to <see cref="MongoDB.Driver.WriteConcern.WMajority"/>,
    /// <c>1</c>/<c>w1</c> to <see cref="MongoDB.Driver.WriteConcern.W1"/>, <c>acknowledged</c> to
    /// <see cref="MongoDB.Driver.WriteConcern.Acknowledged"/>; with <paramref name="journal"/>, <c>j: true</c> is added
    /// (without it, <c>j</c> is left to the server's default); a <paramref name="timeout"/> becomes <c>wtimeout</c>.
    /// </summary>
    public static WriteConcern ParseWriteConcern(string? value, bool journal, TimeSpan? timeout = null)
    {
        var baseConcern = value?.Trim().ToUpperInvariant() switch
        {
            "MAJORITY" => MongoDB.Driver.WriteConcern.WMajority,
            "1" or "W1" => MongoDB.Driver.WriteConcern.W1,
            "ACKNOWLEDGED" => MongoDB.Driver.WriteConcern.Acknowledged,
            _ => throw new ArgumentException(
                $"Unsupported MessageLog:Mongo:WriteConcern '{value}': use 'majority', '1' (or 'w1') or 'acknowledged'.",
                nameof(value)),
        };

        var concern = journal ? baseConcern.With(journal: true) : baseConcern;
        return timeout is { } wTimeout ? concern.With(wTimeout: wTimeout) : concern;
    }

    /// <summary>Throws when a setting cannot work; hosting calls it at start so a bad config fails fast.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(ConnectionString))
        {
            throw new ArgumentException("MessageLog:Mongo:ConnectionString is required.", nameof(ConnectionString));
        }

        if (string.IsNullOrWhiteSpace(Database))
        {
            throw new ArgumentException("MessageLog:Mongo:Database must not be empty.", nameof(Database));
        }

        if (string.IsNullOrWhiteSpace(Collection))
        {
            throw new ArgumentException("MessageLog:Mongo:Collection must not be empty.", nameof(Collection));
        }

        if (Timeout is { } timeout && timeout <= TimeSpan.Zero)
        {
            throw new ArgumentException("MessageLog:Mongo:Timeout must be positive (leave it unset for the driver's defaults).", nameof(Timeout));
        }

        _ = ToWriteConcern();
    }
}
