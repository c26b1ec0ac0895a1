using OrleansChat.Protocol;

namespace OrleansChat.Grains;

/// <summary>
/// Room discovery (<c>room.list</c>): public rooms by name prefix with their member counts, in name order, one page at a
/// time. Stateless: every activation reads the room directory store, which the rooms keep up to date themselves.
/// </summary>
public interface IRoomDirectoryGrain : IGrainWithIntegerKey
{
    /// <summary>
    /// Public rooms whose name starts with <paramref name="prefix"/> (all when empty) and comes after
    /// <paramref name="after"/>, at most <paramref name="limit"/> (capped at Chat:RoomListPageSize, also the default).
    /// </summary>
    Task<RoomListPage> List(string prefix, string? after, int? limit);
}

/// <summary>A page of <see cref="IRoomDirectoryGrain.List"/>; <c>Next</c> is the cursor of the next page, null on the last.</summary>
[GenerateSerializer, Immutable]
public sealed record RoomListPage(IReadOnlyList<RoomListing> Rooms, string? Next);
