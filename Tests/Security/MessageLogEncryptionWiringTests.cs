using Microsoft.Extensions.DependencyInjection;
using MongoDB.Bson;
using OrleansChat.Grains.MessageLog;
using OrleansChat.Grains.MessageLog.Encryption;
using OrleansChat.Grains.MessageLog.Mongo;
using OrleansChat.Model;
using OrleansChat.Tests.Infrastructure;

namespace OrleansChat.Tests.Security;

/// <summary>MessageLog:Encryption:Keys wraps the configured log, and chat works through it end to end.</summary>
[Collection(SecureGatewayGroup.Name)]
public sealed class MessageLogEncryptionWiringTests(SecureGatewayFixture fixture)
{
    private readonly GatewayServer _server = fixture.Server;

    [Fact]
    public async Task Configured_keys_put_the_encrypting_log_in_front_and_history_reads_back_plaintext()
    {
        Assert.IsType<EncryptingMessageLog>(_server.Services.GetRequiredService<IMessageLog>());
        var room = GatewayServer.UniqueName("atrest");
        await using var alice = await _server.ConnectAsync(GatewayServer.UniqueName("alice"));
        await alice.AckedAsync(id => new { type = "room.join", id, room });
        await alice.AckedAsync(id => new { type = "room.send", id, room, body = new { kind = "text", text = "kept secret at rest" } });

        var history = await alice.AckedAsync(id => new { type = "history", id, conv = ConversationId.ForRoom(room) });

        Assert.Equal("kept secret at rest", history.Json.GetProperty("messages")[0].GetProperty("body").GetProperty("text").GetString());
    }

    [Fact]
    public void An_encrypted_body_round_trips_through_the_mongodb_document_shape()
    {
        var message = new ChatMessage("room:x", 3, 1000, new UserProfile("a", "A", null), new EncryptedBody("k1", "AAECAw=="), "c1");

        var document = MongoMessageDocument.ToBsonDocument(message);

        Assert.Equal("enc", document["body"]["kind"].AsString);
        Assert.Equal("k1", document["body"]["keyId"].AsString);
        Assert.Equal(message, MongoMessageDocument.FromBsonDocument(BsonDocument.Parse(document.ToJson())));
    }
}
