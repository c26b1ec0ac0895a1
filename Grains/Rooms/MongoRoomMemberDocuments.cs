using MongoDB.Bson;
using MongoDB.Driver;
using OrleansChat.Model;

namespace OrleansChat.Grains.Rooms;

/// <summary>
/// The document shape, filters, sorts and indexes of <see cref="MongoRoomMemberStore"/>, as data so tests can render
/// them offline. One document per (room, user):
/// <c>{ room, userId, status: "member"|"invited"|"banned"|"left", admin, name?, avatar?, mutedUntil? }</c>
/// (absent fields rather than nulls; <c>mutedUntil</c> is Unix milliseconds as a 64-bit integer).
/// </summary>
public static class MongoRoomMemberDocuments
{
    public const string CollectionName = "room_members";
    public const string KeyIndexName = "room_1_userId_1";
    public const string MembersIndexName = "room_1_status_1_userId_1";
    public const string AdminsIndexName = "room_1_status_1_admin_1_userId_1";

    public const string Room = "room";
    public const string UserId = "userId";
    public const string Status = "status";
    public const string Admin = "admin";
    public const string Name = "name";
    public const string Avatar = "avatar";
    public const string MutedUntil = "mutedUntil";

    private static FilterDefinitionBuilder<BsonDocument> Filter => Builders<BsonDocument>.Filter;

    public static BsonDocument ToBsonDocument(RoomMemberRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        var document = new BsonDocument
        {
            { Room, record.Room },
            { UserId, record.UserId },
            { Status, PostgresRoomMemberRows.StatusText(record.Status) },
            { Admin, record.IsAdmin },
        };
        if (record.Profile is { } profile)
        {
            document.Add(Name, profile.Name);
            if (profile.AvatarUrl is { } avatar)
            {
                document.Add(Avatar, avatar);
            }
        }

        if (record.MutedUntilMs is { } until)
        {
            document.Add(MutedUntil, new BsonInt64(until));
        }

        return document;
    }

    public static RoomMemberRecord FromBsonDocument(BsonDocument document)
    {
        ArgumentNullException.ThrowIfNull(document);
        var userId = document[UserId].AsString;
        return new RoomMemberRecord(
            document[Room].AsString,
            userId,
            PostgresRoomMemberRows.ParseStatus(document[Status].AsString),
            document.GetValue(Admin, false).ToBoolean(),
            document.TryGetValue(Name, out var name) ? new UserProfile(userId, name.AsString, document.GetValue(Avatar, BsonNull.Value) is BsonString a ? a.Value : null) : null,
            document.TryGetValue(MutedUntil, out var until) ? until.ToInt64() : null);
    }

    /// <summary>The one document of (room, user), served by the unique key index.</summary>
    public static FilterDefinition<BsonDocument> Key(string room, string userId) => Filter.Eq(Room, room) & Filter.Eq(UserId, userId);

    public static FilterDefinition<BsonDocument> InRoom(string room) => Filter.Eq(Room, room);

    /// <summary>Members of a room after a user id (from the first when null): equality on room and status, range on userId.</summary>
    public static FilterDefinition<BsonDocument> MembersAfter(string room, string? afterUserId) =>
        afterUserId is null
            ? Filter.Eq(Room, room) & Filter.Eq(Status, "member")
            : Filter.Eq(Room, room) & Filter.Eq(Status, "member") & Filter.Gt(UserId, afterUserId);

    public static FilterDefinition<BsonDocument> AdminMembers(string room) =>
        Filter.Eq(Room, room) & Filter.Eq(Status, "member") & Filter.Eq(Admin, true);

    public static SortDefinition<BsonDocument> ByUserId { get; } = Builders<BsonDocument>.Sort.Ascending(UserId);

    /// <summary>Standings only: the profile fields are left on the server.</summary>
    public static ProjectionDefinition<BsonDocument> WithoutProfile { get; } =
        Builders<BsonDocument>.Projection.Exclude(Name).Exclude(Avatar).Exclude("_id");

    /// <summary>
    /// Unique <c>{ room, userId }</c> (one document per member; serves loads and point reads), <c>{ room, status, userId }</c>
    /// (pages of members) and <c>{ room, status, admin, userId }</c> (the heir among admins).
    /// </summary>
    public static IReadOnlyList<CreateIndexModel<BsonDocument>> IndexModels() =>
    [
        new(Builders<BsonDocument>.IndexKeys.Ascending(Room).Ascending(UserId), new CreateIndexOptions { Name = KeyIndexName, Unique = true }),
        new(Builders<BsonDocument>.IndexKeys.Ascending(Room).Ascending(Status).Ascending(UserId), new CreateIndexOptions { Name = MembersIndexName }),
        new(Builders<BsonDocument>.IndexKeys.Ascending(Room).Ascending(Status).Ascending(Admin).Ascending(UserId),
            new CreateIndexOptions { Name = AdminsIndexName }),
    ];
}
