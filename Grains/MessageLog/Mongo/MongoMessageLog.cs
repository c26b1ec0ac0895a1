using Microsoft.Extensions.Options;
using MongoDB.Bson;
using MongoDB.Driver;
using OrleansChat.Model;

namespace OrleansChat.Grains.MessageLog.Mongo;

/// <summary>
/// The message log in a MongoDB collection, one document per message (see <see cref="MongoMessageDocument"/>).
/// Appends are plain inserts with the configured write concern (majority and journaled by default) and return
/// only once acknowledged; the unique indexes of <see cref="MongoMessageQueries.IndexModels"/> make them
/// idempotent and reject a second message at a taken seq. Reads go to the primary, so an acknowledged append is
/// visible to the next read.
/// </summary>
public sealed class MongoMessageLog : IMessageLog, IDisposable
{
    private readonly IMongoCollection<BsonDocument> _collection;
    private readonly IMongoClient? _ownedClient;
    private readonly TimeSpan? _maxTime;
    private readonly MongoIndexSetup _indexes;

    /// <summary>Connects with <see cref="MongoMessageLogOptions.ConnectionString"/>; the client is owned and disposed with the log.</summary>
    public MongoMessageLog(IOptions<MongoMessageLogOptions> options)
        : this(CreateClient(options.Value), options.Value) => _ownedClient = _collection.Database.Client;

    /// <summary>Uses a client the caller owns (and disposes).</summary>
    public MongoMessageLog(IMongoClient client, MongoMessageLogOptions options)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(options);
        _collection = client
            .GetDatabase(options.Database)
            .GetCollection<BsonDocument>(options.Collection)
            .WithWriteConcern(options.ToWriteConcern())
            .WithReadPreference(ReadPreference.Primary);
        _maxTime = options.Timeout;
        _indexes = new(EnsureIndexesAsync);
    }

    public static IMongoClient CreateClient(MongoMessageLogOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var settings = MongoClientSettings.FromConnectionString(options.ConnectionString);
        if (options.Timeout is { } timeout)
        {
            settings.ServerSelectionTimeout = timeout;
            settings.ConnectTimeout = timeout;
        }

        return new MongoClient(settings);
    }

    /// <summary>
    /// Creates the indexes of <see cref="MongoMessageQueries.IndexModels"/>. Idempotent: creating an index that
    /// exists with the same keys and options is a no-op on the server. The log calls it once before its first
    /// operation; hosting may call it at start to fail fast.
    /// </summary>
    public Task EnsureIndexesAsync(CancellationToken cancellationToken = default) =>
        _collection.Indexes.CreateManyAsync(MongoMessageQueries.IndexModels(), cancellationToken);

    public async Task<AppendResult> AppendAsync(ChatMessage message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        await EnsureIndexesOnceAsync(cancellationToken);
        try
        {
            await _collection.InsertOneAsync(MongoMessageDocument.ToBsonDocument(message), options: null, cancellationToken);
            return new AppendResult(message, Duplicate: false);
        }
        catch (MongoWriteException ex) when (ex.WriteError?.Category == ServerErrorCategory.DuplicateKey)
        {
            return await ResolveDuplicateAsync(message, ClassifyDuplicateKey(ex.WriteError.Message), cancellationToken)
                ?? throw new InvalidOperationException(
                    $"Append to '{message.Conv}' at seq {message.Seq} hit a duplicate key, but no clashing message was found.", ex);
        }
    }

    /// <summary>
    /// One ordered <c>InsertMany</c> per batch (one round trip, the configured write concern for all of it). Ordered, the
    /// server stops at the first rejected document: those before it are stored; a duplicate key there is resolved as
    /// <see cref="AppendAsync"/> resolves it, and the rest go in another <c>InsertMany</c>. A resend found that way
    /// leaves its seq unused, so its conversation's later messages are not sent (<see cref="SeqHoles"/>).
    /// </summary>
    public async Task<IReadOnlyList<AppendOutcome>> AppendBatchAsync(IReadOnlyList<ChatMessage> messages, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        await EnsureIndexesOnceAsync(cancellationToken);
        var outcomes = new AppendOutcome?[messages.Count];
        var holes = new SeqHoles();
        var next = 0;
        while (next < messages.Count)
        {
            var pending = PendingFrom(next, messages, outcomes, holes);
            if (pending.Count == 0)
            {
                break;
            }

            var rejected = await InsertInOrderAsync(pending.Select(i => messages[i]), cancellationToken);
            foreach (var i in pending.Take(rejected?.Index ?? pending.Count))
            {
                outcomes[i] = AppendOutcome.Of(new AppendResult(messages[i], Duplicate: false));
            }

            if (rejected is not { } error)
            {
                break;
            }

            var at = pending[error.Index];
            outcomes[at] = await ResolveRejectedAsync(messages[at], error, cancellationToken);
            if (outcomes[at]!.LeavesSeqUnused(messages[at]))
            {
                holes.Add(messages[at]);
            }

            next = at + 1;
        }

        return outcomes!;
    }

    public async Task<MessagePage> ReadBeforeAsync(string conv, long? beforeSeq, int limit, CancellationToken cancellationToken = default)
    {
        if (limit <= 0)
        {
            return Empty;
        }

        await EnsureIndexesOnceAsync(cancellationToken);
        var newestFirst = await _collection
            .Find(MongoMessageQueries.Before(conv, beforeSeq), FindOptions)
            .Sort(MongoMessageQueries.NewestFirst)
            .Limit(PlusOne(limit))
            .ToListAsync(cancellationToken);
        var more = newestFirst.Count > limit;
        var page = newestFirst.Take(limit).Select(MongoMessageDocument.FromBsonDocument).Reverse().ToList();
        return new MessagePage(page, more);
    }

    public async Task<MessagePage> ReadAfterAsync(string conv, long afterSeq, int limit, CancellationToken cancellationToken = default)
    {
        if (limit <= 0)
        {
            return Empty;
        }

        await EnsureIndexesOnceAsync(cancellationToken);
        var oldestFirst = await _collection
            .Find(MongoMessageQueries.After(conv, afterSeq), FindOptions)
            .Sort(MongoMessageQueries.OldestFirst)
            .Limit(PlusOne(limit))
            .ToListAsync(cancellationToken);
        var more = oldestFirst.Count > limit;
        return new MessagePage(oldestFirst.Take(limit).Select(MongoMessageDocument.FromBsonDocument).ToList(), more);
    }

    /// <summary>Replaces the stored body document: the recalled content is gone from the collection, not masked.</summary>
    public async Task<bool> EraseAsync(string conv, long seq, CancellationToken cancellationToken = default)
    {
        await EnsureIndexesOnceAsync(cancellationToken);
        var erased = await _collection.UpdateOneAsync(
            MongoMessageQueries.AtSeq(conv, seq), MongoMessageQueries.EraseBody, options: null, cancellationToken);
        return erased.MatchedCount == 1;
    }

    public async Task<long> GetLastSeqAsync(string conv, CancellationToken cancellationToken = default)
    {
        await EnsureIndexesOnceAsync(cancellationToken);
        var last = await _collection
            .Find(MongoMessageQueries.Conversation(conv), FindOptions)
            .Sort(MongoMessageQueries.NewestFirst)
            .Limit(1)
            .Project(MongoMessageQueries.SeqOnly)
            .FirstOrDefaultAsync(cancellationToken);
        return last is null ? 0 : last[MongoMessageDocument.Seq].ToInt64();
    }

    public void Dispose() => (_ownedClient as IDisposable)?.Dispose();

    /// <summary>The indexes from <paramref name="from"/> on still to send; those stopped by a hole are aborted on the way.</summary>
    internal static List<int> PendingFrom(int from, IReadOnlyList<ChatMessage> messages, AppendOutcome?[] outcomes, SeqHoles holes)
    {
        ArgumentNullException.ThrowIfNull(messages);
        ArgumentNullException.ThrowIfNull(outcomes);
        ArgumentNullException.ThrowIfNull(holes);
        var pending = new List<int>(messages.Count - from);
        for (var i = from; i < messages.Count; i++)
        {
            if (holes.Blocks(messages[i]))
            {
                outcomes[i] = AppendOutcome.Aborted(messages[i]);
            }
            else
            {
                pending.Add(i);
            }
        }

        return pending;
    }

    /// <summary>Inserts in order; returns the first document the server rejected with a duplicate key, or null when all went in.</summary>
    private async Task<BulkWriteError?> InsertInOrderAsync(IEnumerable<ChatMessage> messages, CancellationToken cancellationToken)
    {
        try
        {
            await _collection.InsertManyAsync(
                messages.Select(MongoMessageDocument.ToBsonDocument), new InsertManyOptions { IsOrdered = true }, cancellationToken);
            return null;
        }
        catch (MongoBulkWriteException<BsonDocument> ex) when (ex.WriteConcernError is null && FirstDuplicateKey(ex.WriteErrors) is { } duplicate)
        {
            return duplicate;
        }
    }

    /// <summary>The one error an ordered insert stops at, when it is a duplicate key (anything else fails the whole batch).</summary>
    internal static BulkWriteError? FirstDuplicateKey(IReadOnlyList<BulkWriteError> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        return errors is [{ Category: ServerErrorCategory.DuplicateKey } first] ? first : null;
    }

    private async Task<AppendOutcome> ResolveRejectedAsync(ChatMessage message, BulkWriteError error, CancellationToken cancellationToken)
    {
        try
        {
            return AppendOutcome.Of(await ResolveDuplicateAsync(message, ClassifyDuplicateKey(error.Message), cancellationToken)
                ?? throw new InvalidOperationException(
                    $"Append to '{message.Conv}' at seq {message.Seq} hit a duplicate key, but no clashing message was found."));
        }
        catch (SequenceConflictException conflict)
        {
            return AppendOutcome.Failed(conflict);
        }
    }

    /// <summary>Which unique index a duplicate-key error names (the server's message reads "... index: NAME dup key: ...").</summary>
    public static DuplicateKeyIndex ClassifyDuplicateKey(string? errorMessage)
    {
        if (errorMessage is null)
        {
            return DuplicateKeyIndex.Unknown;
        }

        if (errorMessage.Contains($"index: {MongoMessageQueries.IdempotencyIndexName} ", StringComparison.Ordinal))
        {
            return DuplicateKeyIndex.Idempotency;
        }

        return errorMessage.Contains($"index: {MongoMessageQueries.SequenceIndexName} ", StringComparison.Ordinal)
            ? DuplicateKeyIndex.Sequence
            : DuplicateKeyIndex.Unknown;
    }

    /// <summary>
    /// Decides what a rejected insert clashed with. The idempotency key wins, as in every log: a resend returns
    /// the stored original even when it carries another seq. A clash at (conv, seq) with an equal message is a
    /// duplicate too; with a different one it is a <see cref="SequenceConflictException"/>. The server reports
    /// only the first index it trips, so a seq clash still checks the idempotency key before calling it a conflict.
    /// </summary>
    private async Task<AppendResult?> ResolveDuplicateAsync(ChatMessage message, DuplicateKeyIndex index, CancellationToken cancellationToken)
    {
        if (index != DuplicateKeyIndex.Sequence && message.ClientId is not null)
        {
            var original = await FindOneAsync(MongoMessageQueries.ByClientId(message.Conv, message.From.Id, message.ClientId), cancellationToken);
            if (original is not null)
            {
                return new AppendResult(original, Duplicate: true);
            }
        }

        var atSeq = await FindOneAsync(MongoMessageQueries.AtSeq(message.Conv, message.Seq), cancellationToken);
        if (atSeq is not null)
        {
            if (atSeq == message)
            {
                return new AppendResult(atSeq, Duplicate: true);
            }

            if (index == DuplicateKeyIndex.Sequence && message.ClientId is not null)
            {
                var original = await FindOneAsync(MongoMessageQueries.ByClientId(message.Conv, message.From.Id, message.ClientId), cancellationToken);
                if (original is not null)
                {
                    return new AppendResult(original, Duplicate: true);
                }
            }

            throw new SequenceConflictException(message.Conv, message.Seq);
        }

        return null;
    }

    private async Task<ChatMessage?> FindOneAsync(FilterDefinition<BsonDocument> filter, CancellationToken cancellationToken)
    {
        var document = await _collection.Find(filter, FindOptions).Limit(1).FirstOrDefaultAsync(cancellationToken);
        return document is null ? null : MongoMessageDocument.FromBsonDocument(document);
    }

    private Task EnsureIndexesOnceAsync(CancellationToken cancellationToken) => _indexes.EnsureAsync(cancellationToken);

    private FindOptions FindOptions => new() { MaxTime = _maxTime };

    private static int PlusOne(int limit) => limit == int.MaxValue ? limit : limit + 1;

    private static MessagePage Empty { get; } = new([], More: false);
}

/// <summary>The unique index a duplicate-key error came from.</summary>
public enum DuplicateKeyIndex
{
    Unknown,
    Sequence,
    Idempotency,
}
