using MongoDB.Bson;
using MongoDB.Driver;
using OrleansChat.Grains.MessageLog;
using OrleansChat.Grains.MessageLog.Mongo;

namespace OrleansChat.Tests.MessageLog;

/// <summary>
/// The conformance suite against a real MongoDB server named by <c>ORLEANSCHAT_TEST_MONGO_URI</c>; without it
/// every test is skipped. Each run works in a database of its own, dropped at the end.
/// </summary>
public sealed class MongoMessageLogTests(MongoTestDatabase database) : MessageLogConformanceTests, IClassFixture<MongoTestDatabase>
{
    protected override async Task<IMessageLog> CreateLogAsync()
    {
        var client = database.RequireClient();
        var log = new MongoMessageLog(client, database.Options());
        await log.EnsureIndexesAsync();
        return log;
    }

    [SkippableFact]
    public async Task EnsureIndexes_is_idempotent_and_creates_both_unique_indexes()
    {
        var client = database.RequireClient();
        var options = database.Options();
        var log = new MongoMessageLog(client, options);

        await log.EnsureIndexesAsync();
        await log.EnsureIndexesAsync();

        var indexes = await (await client.GetDatabase(options.Database).GetCollection<BsonDocument>(options.Collection).Indexes.ListAsync())
            .ToListAsync();
        var byName = indexes.ToDictionary(i => i["name"].AsString);
        var sequence = byName[MongoMessageQueries.SequenceIndexName];
        Assert.Equal(new BsonDocument { { "conv", 1 }, { "seq", 1 } }, sequence["key"].AsBsonDocument);
        Assert.True(sequence["unique"].ToBoolean());
        var idempotency = byName[MongoMessageQueries.IdempotencyIndexName];
        Assert.Equal(new BsonDocument { { "conv", 1 }, { "from.id", 1 }, { "clientId", 1 } }, idempotency["key"].AsBsonDocument);
        Assert.True(idempotency["unique"].ToBoolean());
        Assert.Equal(BsonDocument.Parse("{ clientId: { $exists: true } }"), idempotency["partialFilterExpression"].AsBsonDocument);
    }

    [SkippableFact]
    public async Task Stored_document_has_the_typed_shape()
    {
        var client = database.RequireClient();
        var options = database.Options();
        var log = new MongoMessageLog(client, options);
        var conv = NewConv();
        await log.AppendAsync(Message(conv, 1, "c-1", Bob, new OrleansChat.Model.ImageBody("https://cdn.example/x.png", 10, 20)));

        var stored = await client.GetDatabase(options.Database).GetCollection<BsonDocument>(options.Collection)
            .Find(new BsonDocument("conv", conv)).SingleAsync();

        Assert.Equal(BsonType.Int64, stored["seq"].BsonType);
        Assert.Equal(BsonType.DateTime, stored["ts"].BsonType);
        Assert.Equal("image", stored["body"]["kind"].AsString);
        Assert.Equal(BsonType.Int32, stored["body"]["width"].BsonType);
        Assert.False(stored["from"].AsBsonDocument.Contains("avatarUrl"));
    }
}

/// <summary>One MongoDB database per test run, or none when <c>ORLEANSCHAT_TEST_MONGO_URI</c> is unset.</summary>
public sealed class MongoTestDatabase : IAsyncLifetime
{
    public const string UriVariable = "ORLEANSCHAT_TEST_MONGO_URI";
    public const string SkipReason = "MongoDB not reachable: set ORLEANSCHAT_TEST_MONGO_URI to run";

    private readonly string? _uri = Environment.GetEnvironmentVariable(UriVariable);
    private MongoClient? _client;

    public string DatabaseName { get; } = $"orleanschat_test_{Guid.NewGuid():N}";

    /// <summary>The client, or a skip of the calling test when no server is configured.</summary>
    public IMongoClient RequireClient()
    {
        Skip.If(_client is null, SkipReason);
        return _client!;
    }

    public MongoMessageLogOptions Options() => new()
    {
        ConnectionString = _uri ?? "",
        Database = DatabaseName,
        Collection = "messages",
        WriteConcern = "majority",
        JournalWrites = true,
        Timeout = TimeSpan.FromSeconds(10),
    };

    public Task InitializeAsync()
    {
        if (!string.IsNullOrWhiteSpace(_uri))
        {
            _client = (MongoClient)MongoMessageLog.CreateClient(Options());
        }

        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        if (_client is not null)
        {
            await _client.DropDatabaseAsync(DatabaseName);
            _client.Dispose();
        }
    }
}
