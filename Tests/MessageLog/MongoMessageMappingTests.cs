using MongoDB.Bson;
using MongoDB.Bson.IO;
using MongoDB.Bson.Serialization;
using MongoDB.Bson.Serialization.Serializers;
using MongoDB.Driver;
using OrleansChat.Grains.MessageLog.Mongo;
using OrleansChat.Model;

namespace OrleansChat.Tests.MessageLog;

/// <summary>
/// Offline checks of the MongoDB log: the stored document shape, the indexes, and the shape of every query
/// (equality on conv, range and sort on seq only: history and sync are served by the { conv, seq } index).
/// </summary>
public sealed class MongoMessageMappingTests
{
    private const string Conv = "room:x";
    private static readonly UserProfile Alice = new("alice", "Alice", "https://cdn.example/alice.png");
    private static readonly UserProfile Bob = new("bob", "Bob", AvatarUrl: null);

    private static RenderArgs<BsonDocument> Args => new(BsonDocumentSerializer.Instance, BsonSerializer.SerializerRegistry);

    private static BsonDocument Render(FilterDefinition<BsonDocument> filter) => filter.Render(Args);

    private static BsonDocument Render(SortDefinition<BsonDocument> sort) => sort.Render(Args);

    /// <summary>Through the document model and through BSON bytes (what the wire carries) and back.</summary>
    private static BsonDocument RoundTrip(ChatMessage message)
    {
        var document = MongoMessageDocument.ToBsonDocument(message);
        var fromBytes = BsonSerializer.Deserialize<BsonDocument>(document.ToBson());
        Assert.Equal(message, MongoMessageDocument.FromBsonDocument(document));
        Assert.Equal(message, MongoMessageDocument.FromBsonDocument(fromBytes));
        return fromBytes;
    }

    [Fact]
    public void Text_message_maps_to_typed_fields()
    {
        var message = new ChatMessage(Conv, 42, 1_764_000_123_456, Alice, new TextBody("hello"), "c-1");

        var document = RoundTrip(message);

        Assert.Equal(["conv", "seq", "ts", "from", "clientId", "body"], document.Names);
        Assert.Equal(new BsonString(Conv), document["conv"]);
        Assert.Equal(BsonType.Int64, document["seq"].BsonType);
        Assert.Equal(42L, document["seq"].AsInt64);
        Assert.Equal(BsonType.DateTime, document["ts"].BsonType);
        Assert.Equal(1_764_000_123_456, document["ts"].AsBsonDateTime.MillisecondsSinceEpoch);
        Assert.Equal(new DateTime(2025, 11, 24, 16, 2, 3, 456, DateTimeKind.Utc), document["ts"].ToUniversalTime());
        Assert.Equal(
            new BsonDocument { { "id", "alice" }, { "name", "Alice" }, { "avatarUrl", "https://cdn.example/alice.png" } },
            document["from"].AsBsonDocument);
        Assert.Equal("c-1", document["clientId"].AsString);
        Assert.Equal(new BsonDocument { { "kind", "text" }, { "text", "hello" } }, document["body"].AsBsonDocument);
    }

    [Fact]
    public void Image_message_maps_to_typed_fields()
    {
        var message = new ChatMessage(Conv, 1, 1_000, Bob, new ImageBody("https://cdn.example/cat.jpg", 640, 480), ClientId: null);

        var document = RoundTrip(message);

        var body = document["body"].AsBsonDocument;
        Assert.Equal("image", body["kind"].AsString);
        Assert.Equal("https://cdn.example/cat.jpg", body["url"].AsString);
        Assert.Equal(BsonType.Int32, body["width"].BsonType);
        Assert.Equal(640, body["width"].AsInt32);
        Assert.Equal(BsonType.Int32, body["height"].BsonType);
        Assert.Equal(480, body["height"].AsInt32);
        Assert.False(document.Contains("clientId"), "clientId must be absent (not null) so the partial index skips it");
        Assert.Equal(new BsonDocument { { "id", "bob" }, { "name", "Bob" } }, document["from"].AsBsonDocument);
    }

    [Fact]
    public void Image_without_size_leaves_size_fields_out()
    {
        var message = new ChatMessage(Conv, 1, 1_000, Bob, new ImageBody("https://cdn.example/cat.jpg"), "c-9");

        var document = RoundTrip(message);

        Assert.Equal(new BsonDocument { { "kind", "image" }, { "url", "https://cdn.example/cat.jpg" } }, document["body"].AsBsonDocument);
    }

    [Fact]
    public void Recall_entries_and_erased_messages_map_to_their_own_kinds()
    {
        var recall = RoundTrip(new ChatMessage(Conv, 8, 1_000, Alice, new RecallBody(7), ClientId: null))["body"].AsBsonDocument;
        Assert.Equal(("recall", BsonType.Int64, 7L), (recall["kind"].AsString, recall["seq"].BsonType, recall["seq"].AsInt64));

        var erased = RoundTrip(new ChatMessage(Conv, 7, 1_000, Alice, new RecalledBody(), "c-7"))["body"].AsBsonDocument;
        Assert.Equal(new BsonDocument { { "kind", "recalled" } }, erased);
    }

    [Fact]
    public void Audio_message_maps_to_typed_fields()
    {
        var message = new ChatMessage(Conv, 7, 1_000, Alice, new AudioBody("https://cdn.example/hi.ogg", 1500), "c-7");

        var document = RoundTrip(message);

        var body = document["body"].AsBsonDocument;
        Assert.Equal("audio", body["kind"].AsString);
        Assert.Equal("https://cdn.example/hi.ogg", body["url"].AsString);
        Assert.Equal(BsonType.Int32, body["durationMs"].BsonType);
        Assert.Equal(1500, body["durationMs"].AsInt32);
    }

    [Fact]
    public void Reading_accepts_stored_numbers_of_other_widths_and_server_ids()
    {
        var document = BsonDocument.Parse(
            """
            { _id: ObjectId("65f0c0ffee0000000000beef"), conv: "room:x", seq: 3, ts: ISODate("2025-11-24T16:02:03.456Z"),
              from: { id: "bob", name: "Bob" }, body: { kind: "audio", url: "u", durationMs: NumberLong(20) } }
            """);

        var message = MongoMessageDocument.FromBsonDocument(document);

        Assert.Equal(new ChatMessage(Conv, 3, 1_764_000_123_456, Bob, new AudioBody("u", 20), ClientId: null), message);
    }

    [Fact]
    public void Reading_an_unknown_body_kind_fails_loudly()
    {
        var document = MongoMessageDocument.ToBsonDocument(new ChatMessage(Conv, 1, 1, Bob, new TextBody("x"), null));
        document["body"] = new BsonDocument { { "kind", "video" }, { "url", "u" } };

        Assert.Throws<FormatException>(() => MongoMessageDocument.FromBsonDocument(document));
    }

    [Fact]
    public void Index_definitions_are_the_unique_sequence_and_partial_idempotency_indexes()
    {
        var models = MongoMessageQueries.IndexModels();

        Assert.Equal(2, models.Count);

        var sequence = models[0];
        Assert.Equal(BsonDocument.Parse("{ conv: 1, seq: 1 }"), sequence.Keys.Render(Args));
        Assert.Equal(MongoMessageQueries.SequenceIndexName, sequence.Options.Name);
        Assert.True(sequence.Options.Unique);
        Assert.Null(Assert.IsType<CreateIndexOptions<BsonDocument>>(sequence.Options).PartialFilterExpression);

        var idempotency = models[1];
        Assert.Equal(BsonDocument.Parse("{ conv: 1, 'from.id': 1, clientId: 1 }"), idempotency.Keys.Render(Args));
        Assert.Equal(MongoMessageQueries.IdempotencyIndexName, idempotency.Options.Name);
        Assert.True(idempotency.Options.Unique);
        var partial = Assert.IsType<CreateIndexOptions<BsonDocument>>(idempotency.Options).PartialFilterExpression;
        Assert.NotNull(partial);
        Assert.Equal(BsonDocument.Parse("{ clientId: { $exists: true } }"), Render(partial));
    }

    [Fact]
    public void ReadBefore_filters_on_conv_and_seq_below_and_sorts_newest_first()
    {
        Assert.Equal(
            BsonDocument.Parse("{ conv: 'room:x', seq: { $lt: NumberLong(10) } }"),
            Render(MongoMessageQueries.Before(Conv, 10)));
        Assert.Equal(BsonDocument.Parse("{ conv: 'room:x' }"), Render(MongoMessageQueries.Before(Conv, null)));
        Assert.Equal(BsonDocument.Parse("{ seq: -1 }"), Render(MongoMessageQueries.NewestFirst));
    }

    [Fact]
    public void ReadAfter_filters_on_conv_and_seq_above_and_sorts_oldest_first()
    {
        Assert.Equal(
            BsonDocument.Parse("{ conv: 'room:x', seq: { $gt: NumberLong(5) } }"),
            Render(MongoMessageQueries.After(Conv, 5)));
        Assert.Equal(BsonDocument.Parse("{ seq: 1 }"), Render(MongoMessageQueries.OldestFirst));
    }

    [Fact]
    public void LastSeq_filters_on_conv_sorts_newest_first_and_projects_only_seq()
    {
        Assert.Equal(BsonDocument.Parse("{ conv: 'room:x' }"), Render(MongoMessageQueries.Conversation(Conv)));
        Assert.Equal(BsonDocument.Parse("{ seq: -1 }"), Render(MongoMessageQueries.NewestFirst));
        Assert.Equal(BsonDocument.Parse("{ seq: 1, _id: 0 }"), MongoMessageQueries.SeqOnly.Render(Args));
    }

    [Fact]
    public void Duplicate_lookups_match_the_unique_index_keys()
    {
        Assert.Equal(
            BsonDocument.Parse("{ conv: 'room:x', seq: NumberLong(3) }"),
            Render(MongoMessageQueries.AtSeq(Conv, 3)));
        Assert.Equal(
            BsonDocument.Parse("{ conv: 'room:x', 'from.id': 'alice', clientId: 'c-1' }"),
            Render(MongoMessageQueries.ByClientId(Conv, "alice", "c-1")));
    }

    [Theory]
    [InlineData("E11000 duplicate key error collection: orleanschat.messages index: conv_1_from.id_1_clientId_1 dup key: { conv: \"room:x\", from.id: \"alice\", clientId: \"c-1\" }", DuplicateKeyIndex.Idempotency)]
    [InlineData("E11000 duplicate key error collection: orleanschat.messages index: conv_1_seq_1 dup key: { conv: \"room:x\", seq: 1 }", DuplicateKeyIndex.Sequence)]
    [InlineData("E11000 duplicate key error collection: orleanschat.messages index: _id_ dup key: { _id: 1 }", DuplicateKeyIndex.Unknown)]
    [InlineData(null, DuplicateKeyIndex.Unknown)]
    public void Duplicate_key_errors_are_told_apart_by_index_name(string? message, DuplicateKeyIndex expected) =>
        Assert.Equal(expected, MongoMessageLog.ClassifyDuplicateKey(message));

    [Fact]
    public void Majority_write_concern_is_journaled_by_default()
    {
        var concern = new MongoMessageLogOptions { Timeout = null }.ToWriteConcern();

        Assert.Equal(WriteConcern.WMajority.W, concern.W);
        Assert.True(concern.Journal);
        Assert.True(concern.IsAcknowledged);
        Assert.Equal(WriteConcern.WMajority.With(journal: true), concern);
        Assert.Equal(BsonDocument.Parse("{ w: 'majority', j: true }"), concern.ToBsonDocument());
    }

    [Theory]
    [InlineData("majority", "{ w: 'majority', j: true }")]
    [InlineData("MAJORITY", "{ w: 'majority', j: true }")]
    [InlineData("1", "{ w: 1, j: true }")]
    [InlineData("w1", "{ w: 1, j: true }")]
    [InlineData("acknowledged", "{ j: true }")]
    public void Write_concern_spellings_map_to_driver_write_concerns(string value, string expected) =>
        Assert.Equal(BsonDocument.Parse(expected), MongoMessageLogOptions.ParseWriteConcern(value, journal: true).ToBsonDocument());

    [Fact]
    public void Write_concern_without_journal_and_with_timeout()
    {
        var concern = MongoMessageLogOptions.ParseWriteConcern("w1", journal: false, TimeSpan.FromSeconds(5));

        Assert.Equal(WriteConcern.W1.W, concern.W);
        Assert.Null(concern.Journal);
        Assert.Equal(TimeSpan.FromSeconds(5), concern.WTimeout);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("unacknowledged")]
    [InlineData("")]
    [InlineData(null)]
    public void Unacknowledged_or_unknown_write_concerns_are_refused(string? value) =>
        Assert.Throws<ArgumentException>(() => MongoMessageLogOptions.ParseWriteConcern(value, journal: true));

    [Fact]
    public void Options_defaults()
    {
        var options = new MongoMessageLogOptions();

        Assert.Equal("MessageLog:Mongo", MongoMessageLogOptions.SectionName);
        Assert.Equal("orleanschat", options.Database);
        Assert.Equal("messages", options.Collection);
        Assert.Equal("majority", options.WriteConcern);
        Assert.True(options.JournalWrites);
        Assert.Throws<ArgumentException>(options.Validate);
        options.ConnectionString = "mongodb://localhost:27017";
        options.Validate();
    }
}
