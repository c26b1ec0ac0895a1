namespace OrleansChat.Grains.Rooms;

/// <summary>
/// Who belongs to each group room, one row (document) per (room, user) in the database of the message log
/// ("MessageLog:Provider"): <c>InMemoryRoomMemberStore</c>, <c>PostgresRoomMemberStore</c>, <c>MongoRoomMemberStore</c>
/// beside this file, every one passing the same conformance suite (Tests/Rooms). A change to one member writes that
/// member's row only, so joining a room of 100,000 costs what joining a room of 10 does; the room grain keeps only
/// the small room metadata in its grain state (<see cref="RoomState"/>).
/// </summary>
public interface IRoomMemberStore
{
    /// <summary>Every row of <paramref name="room"/> without profiles: what a room grain needs in memory to check joins, sends and ranks.</summary>
    Task<IReadOnlyList<RoomMemberRecord>> LoadStandingsAsync(string room, CancellationToken cancellationToken = default);

    /// <summary>One user's row, with the profile; null when the user has none in this room.</summary>
    Task<RoomMemberRecord?> FindAsync(string room, string userId, CancellationToken cancellationToken = default);

    /// <summary>Inserts or replaces the row of (<see cref="RoomMemberRecord.Room"/>, <see cref="RoomMemberRecord.UserId"/>).</summary>
    Task SaveAsync(RoomMemberRecord record, CancellationToken cancellationToken = default);

    /// <summary>Inserts or replaces many rows (moving a legacy room's members, filling a room in tests) in few round trips.</summary>
    Task SaveManyAsync(IReadOnlyCollection<RoomMemberRecord> records, CancellationToken cancellationToken = default);

    /// <summary>Drops the row; a row that does not exist is no error.</summary>
    Task DeleteAsync(string room, string userId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Up to <paramref name="limit"/> members (status <see cref="MemberStatus.Member"/>, with profiles) with user ids
    /// above <paramref name="afterUserId"/> (from the first when null), in ordinal order of user id; the page's
    /// <see cref="RoomMemberPage.Next"/> is the cursor of the next page, null on the last one.
    /// </summary>
    Task<RoomMemberPage> ListMembersAsync(string room, string? afterUserId, int limit, CancellationToken cancellationToken = default);

    /// <summary>Who inherits the room when its owner is gone: the smallest user id among admin members, else among members; null when nobody is left.</summary>
    Task<string?> FindHeirAsync(string room, CancellationToken cancellationToken = default);

    /// <summary>What this store has written since it started (read by tests and metrics).</summary>
    RoomMemberWrites Writes { get; }
}

/// <summary>A page of members in user id order; <see cref="Next"/> is the last id of the page when more follow.</summary>
public sealed record RoomMemberPage(IReadOnlyList<RoomMemberRecord> Members, string? Next);
