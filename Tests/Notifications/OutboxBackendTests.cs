using MongoDB.Bson;
using MongoDB.Driver;
using OrleansChat.Grains.Notifications;
using OrleansChat.Grains.Notifications.InMemory;
using OrleansChat.Grains.Notifications.Mongo;
using OrleansChat.Grains.Notifications.Postgres;
using OrleansChat.Tests.Infrastructure;
using OrleansChat.Tests.MessageLog;

namespace OrleansChat.Tests.Notifications;

public sealed class InMemoryOutboxTests : OutboxConformanceTests
{
    protected override Task<INotificationOutbox> CreateOutboxAsync() => Task.FromResult<INotificationOutbox>(new InMemoryNotificationOutbox());
}

/// <summary>The conformance suite against a real PostgreSQL, in the message log's test database, created by the same migration as <c>Silo migrate</c>.</summary>
[Collection(PostgresFixtureDefinition.Name)]
public sealed class PostgresOutboxTests(PostgresServer postgres) : OutboxConformanceTests, IAsyncLifetime
{
    private readonly MessageLogPool _pool = new(postgres);

    protected override async Task<INotificationOutbox> CreateOutboxAsync() => new PostgresNotificationOutbox(await _pool.GetAsync());

    [Fact]
    public async Task A_pass_claims_from_its_shard_through_the_partial_index()
    {
        var dataSource = await _pool.GetAsync();
        var outbox = new PostgresNotificationOutbox(dataSource);
        var t0 = DateTimeOffset.FromUnixTimeMilliseconds(1_764_000_000_000);
        await outbox.EnqueueAsync([.. Enumerable.Range(0, 20_000).Select(i =>
            new OutboxEntry($"bulk:{i}", OutboxEntryKind.Webhook, i % 16, "{}", 1, 0, t0, t0, t0.AddSeconds(i)))]);
        await using (var analyze = dataSource.CreateCommand("ANALYZE chat_notification_outbox"))
        {
            await analyze.ExecuteNonQueryAsync();
        }

        var plan = await dataSource.ExplainAsync(PostgresOutboxRows.ClaimDue,
            [("shard", 7), ("now", t0.AddSeconds(100).ToUnixTimeMilliseconds()), ("limit", 100L), ("lease_until", t0.AddDays(1).ToUnixTimeMilliseconds())]);
        Assert.Contains(PostgresOutboxRows.DueIndexName, plan, StringComparison.Ordinal);
        Assert.DoesNotContain("Seq Scan", plan, StringComparison.Ordinal);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _pool.CloseAsync();
}

/// <summary>The conformance suite against a real MongoDB named by <c>ORLEANSCHAT_TEST_MONGO_URI</c>; skipped without one.</summary>
public sealed class MongoOutboxTests(MongoTestDatabase database) : OutboxConformanceTests, IClassFixture<MongoTestDatabase>
{
    protected override async Task<INotificationOutbox> CreateOutboxAsync()
    {
        var outbox = new MongoNotificationOutbox(database.RequireClient(), database.Options());
        await outbox.EnsureIndexesAsync();
        return outbox;
    }

    [SkippableFact]
    public async Task Ensure_indexes_is_idempotent_and_makes_the_due_index_partial()
    {
        var client = database.RequireClient();
        var options = database.Options();
        var outbox = new MongoNotificationOutbox(client, options);

        await outbox.EnsureIndexesAsync();
        await outbox.EnsureIndexesAsync();

        var collection = client.GetDatabase(options.Database).GetCollection<BsonDocument>(MongoOutboxDocuments.CollectionName);
        var byName = (await (await collection.Indexes.ListAsync()).ToListAsync()).ToDictionary(i => i["name"].AsString);
        Assert.Equal(new BsonDocument("status", "pending"), byName[MongoOutboxDocuments.DueIndexName]["partialFilterExpression"].AsBsonDocument);
        Assert.Contains(MongoOutboxDocuments.FinishedIndexName, byName.Keys);
    }
}
