using MongoDB.Bson;
using MongoDB.Bson.Serialization;
using MongoDB.Bson.Serialization.Serializers;
using MongoDB.Driver;
using OrleansChat.Grains.Rooms;
using OrleansChat.Model;

namespace OrleansChat.Tests.Rooms;

/// <summary>Offline checks of the MongoDB member store: the document shape, the filters and the indexes that serve them.</summary>
public sealed class MongoRoomMemberMappingTests
{
    private static RenderArgs<BsonDocument> Args => new(BsonDocumentSerializer.Instance, BsonSerializer.SerializerRegistry);

    private static BsonDocument RoundTrip(RoomMemberRecord record)
    {
        var document = MongoRoomMemberDocuments.ToBsonDocument(record);
        var fromBytes = BsonSerializer.Deserialize<BsonDocument>(document.ToBson());
        Assert.Equal(record, MongoRoomMemberDocuments.FromBsonDocument(fromBytes));
        return fromBytes;
    }

    [Fact]
    public void A_member_maps_to_typed_fields()
    {
        var document = RoundTrip(new RoomMemberRecord("lobby", "alice", MemberStatus.Member, true,
            new UserProfile("alice", "Alice", "https://cdn.example/a.png"), 1_764_000_000_123));

        Assert.Equal(["room", "userId", "status", "admin", "name", "avatar", "mutedUntil"], document.Names);
        Assert.Equal("member", document["status"].AsString);
        Assert.Equal(BsonType.Boolean, document["admin"].BsonType);
        Assert.Equal(BsonType.Int64, document["mutedUntil"].BsonType);
    }

    [Fact]
    public void Absent_values_are_left_out_not_stored_as_null()
    {
        var banned = RoundTrip(new RoomMemberRecord("lobby", "mallory", MemberStatus.Banned));
        var noAvatar = RoundTrip(new RoomMemberRecord("lobby", "bob", MemberStatus.Member, Profile: new UserProfile("bob", "Bob", null)));

        Assert.Equal(["room", "userId", "status", "admin"], banned.Names);
        Assert.Equal("banned", banned["status"].AsString);
        Assert.Equal(["room", "userId", "status", "admin", "name"], noAvatar.Names);
        RoundTrip(new RoomMemberRecord("lobby", "erin", MemberStatus.Left, MutedUntilMs: 5));
        RoundTrip(new RoomMemberRecord("lobby", "carol", MemberStatus.Invited));
    }

    [Fact]
    public void Every_query_is_an_equality_on_room_and_status_and_a_range_or_sort_on_user_id_only()
    {
        Assert.Equal(BsonDocument.Parse("{ room: 'lobby', userId: 'alice' }"), MongoRoomMemberDocuments.Key("lobby", "alice").Render(Args));
        Assert.Equal(BsonDocument.Parse("{ room: 'lobby', status: 'member' }"), MongoRoomMemberDocuments.MembersAfter("lobby", null).Render(Args));
        Assert.Equal(BsonDocument.Parse("{ room: 'lobby', status: 'member', userId: { $gt: 'bob' } }"),
            MongoRoomMemberDocuments.MembersAfter("lobby", "bob").Render(Args));
        Assert.Equal(BsonDocument.Parse("{ room: 'lobby', status: 'member', admin: true }"), MongoRoomMemberDocuments.AdminMembers("lobby").Render(Args));
        Assert.Equal(BsonDocument.Parse("{ userId: 1 }"), MongoRoomMemberDocuments.ByUserId.Render(Args));
        Assert.Equal(BsonDocument.Parse("{ name: 0, avatar: 0, _id: 0 }"), MongoRoomMemberDocuments.WithoutProfile.Render(Args));
    }

    [Fact]
    public void The_indexes_serve_the_key_the_pages_and_the_heir()
    {
        var indexes = MongoRoomMemberDocuments.IndexModels().ToDictionary(m => m.Options.Name, m => m);

        Assert.Equal(BsonDocument.Parse("{ room: 1, userId: 1 }"), indexes[MongoRoomMemberDocuments.KeyIndexName].Keys.Render(Args));
        Assert.True(indexes[MongoRoomMemberDocuments.KeyIndexName].Options.Unique);
        Assert.Equal(BsonDocument.Parse("{ room: 1, status: 1, userId: 1 }"), indexes[MongoRoomMemberDocuments.MembersIndexName].Keys.Render(Args));
        Assert.Equal(BsonDocument.Parse("{ room: 1, status: 1, admin: 1, userId: 1 }"), indexes[MongoRoomMemberDocuments.AdminsIndexName].Keys.Render(Args));
    }
}
