using System.Text.Json;
using MongoDB.Bson;
using MongoDB.Bson.Serialization;
using MongoDB.Bson.Serialization.Serializers;
using MongoDB.Driver;
using OrleansChat.Grains;
using OrleansChat.Grains.Rooms;
using OrleansChat.Model;
using OrleansChat.Protocol;

namespace OrleansChat.Tests.Protocol;

/// <summary>
/// The wire shapes of room receipts, readers, room presence and room.list as docs/protocol.md shows them, the new
/// options' validation, and the MongoDB cursor store's queries rendered offline.
/// </summary>
public sealed class ReceiptPresenceDiscoveryWireTests
{
    private static string Json(ServerFrame frame) => JsonSerializer.Serialize(frame, ProtocolJson.Options);

    [Fact]
    public void Frames_serialise_as_documented()
    {
        Assert.Equal(
            """{"type":"conv.receipt","conv":"room:lobby","reads":[{"seq":116,"count":3}],"members":12}""",
            Json(new ConvReceiptEvent("room:lobby", null, null, [new ReadCount(116, 3)], 12)));
        Assert.Equal(
            """{"type":"conv.receipt","conv":"dm:a:b","user":"b","seq":4}""",
            Json(new ConvReceiptEvent("dm:a:b", "b", 4)));
        Assert.Equal(
            """{"type":"room.presence","room":"lobby","conv":"room:lobby","online":["o_cy"],"offline":["o_bob"]}""",
            Json(new RoomPresenceEvent("lobby", "room:lobby", ["o_cy"], ["o_bob"])));
        Assert.Equal(
            """{"type":"readers","re":"c1","conv":"room:lobby","seq":117,"readers":[{"id":"o_bob","name":"Bob"}]}""",
            Json(new ReadersReply("c1", "room:lobby", 117, [new UserProfile("o_bob", "Bob", null)])));
        Assert.Equal(
            """{"type":"rooms","re":"c2","rooms":[{"id":"garden","name":"garden","conv":"room:garden","members":12}],"next":"garden"}""",
            Json(new RoomsReply("c2", [new RoomListing("garden", "garden", "room:garden", 12)], "garden")));
        Assert.Equal(
            """{"type":"dm.open","conv":"dm:a:b","with":{"id":"b","name":"B"},"online":true}""",
            Json(new DmOpenEvent("dm:a:b", new UserProfile("b", "B", null), true)));
    }

    [Fact]
    public void Client_frames_parse_with_their_optional_fields()
    {
        var readers = Assert.IsType<ConvReadersCommand>(JsonSerializer.Deserialize<ClientFrame>("""{"type":"conv.readers","id":"c1","conv":"room:x","seq":3}""", ProtocolJson.Options));
        var list = Assert.IsType<RoomListCommand>(JsonSerializer.Deserialize<ClientFrame>("""{"type":"room.list","id":"c2"}""", ProtocolJson.Options));

        Assert.Equal(("room:x", 3L), (readers.Conv, readers.Seq));
        Assert.Equal((null, null, null), (list.Prefix, list.Cursor, list.Limit));
    }

    [Theory]
    [InlineData(-1, 0, 1, "Chat:ReceiptMaxMembers")]
    [InlineData(0, -1, 1, "Chat:PresenceMaxMembers")]
    [InlineData(0, 0, 0, "Chat:RoomListPageSize")]
    public void New_options_refuse_nonsense(int receipts, int presence, int listPage, string named)
    {
        var result = new ChatOptionsValidation().Validate(null, new ChatOptions
        {
            ReceiptMaxMembers = receipts,
            PresenceMaxMembers = presence,
            RoomListPageSize = listPage,
        });

        Assert.False(result.Succeeded);
        Assert.Contains(named, result.FailureMessage, StringComparison.Ordinal);
        Assert.True(new ChatOptionsValidation().Validate(null, new ChatOptions()).Succeeded);
    }

    [Fact]
    public void Mongo_cursors_are_keyed_by_room_and_user_and_only_move_forward()
    {
        var args = new RenderArgs<BsonDocument>(BsonDocumentSerializer.Instance, BsonSerializer.SerializerRegistry);

        Assert.Equal(BsonDocument.Parse("{ room: 'lobby', userId: 'bob' }"), MongoRoomReadCursorStore.Key("lobby", "bob").Render(args));
        Assert.Equal(BsonDocument.Parse("{ $max: { readSeq: NumberLong(7) } }"), MongoRoomReadCursorStore.Advance(7).Render(args).AsBsonDocument);
        var index = Assert.Single(MongoRoomReadCursorStore.IndexModels());
        Assert.Equal(BsonDocument.Parse("{ room: 1, userId: 1 }"), index.Keys.Render(args));
        Assert.True(index.Options.Unique);
    }
}
