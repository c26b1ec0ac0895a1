namespace OrleansChat.Grains.Rooms;

/// <summary>
/// The directory of public rooms for <c>room.list</c>: one row (document) per public room with its member count, in the
/// database of the message log: <c>InMemoryRoomDirectoryStore</c>, <c>PostgresRoomDirectoryStore</c>,
/// <c>MongoRoomDirectoryStore</c> beside this file, every one passing Tests/Rooms/RoomDirectoryStoreConformanceTests.cs.
/// Each room writes its own row (at most once a second, whatever its size); a page is one range read in name order.
/// </summary>
public interface IRoomDirectoryStore
{
    /// <summary>Lists the room (public, with members) with its member count now, replacing what was there.</summary>
    Task UpsertAsync(string room, int members, CancellationToken cancellationToken = default);

    /// <summary>Takes the room off the directory (emptied, or private); a room not listed is no error.</summary>
    Task RemoveAsync(string room, CancellationToken cancellationToken = default);

    /// <summary>
    /// Up to <paramref name="limit"/> rooms whose name starts with <paramref name="prefix"/> (every room when empty) and
    /// sorts after <paramref name="after"/> (ordinal; from the first when null), in ordinal name order.
    /// </summary>
    Task<IReadOnlyList<RoomDirectoryEntry>> ListAsync(string prefix, string? after, int limit, CancellationToken cancellationToken = default);
}

/// <summary>One listed room.</summary>
public sealed record RoomDirectoryEntry(string Room, int Members);

/// <summary>Prefix ranges shared by the backends.</summary>
public static class RoomDirectoryRange
{
    /// <summary>
    /// The exclusive upper bound of names starting with <paramref name="prefix"/>: room names are letters, digits, '_'
    /// and '-', all below '~' in ordinal order, so prefix + "~" sorts after every name with that prefix.
    /// </summary>
    public static string UpperBound(string prefix) => prefix + "~";

    /// <summary>The inclusive lower bound: the prefix, or just after the cursor when that is later.</summary>
    public static bool StartsAfterCursor(string prefix, string? after) => after is not null && string.CompareOrdinal(after, prefix) >= 0;
}
