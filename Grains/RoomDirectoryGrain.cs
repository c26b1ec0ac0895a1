using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using OrleansChat.Grains.Rooms;
using OrleansChat.Model;
using OrleansChat.Protocol;

namespace OrleansChat.Grains;

/// <summary>
/// Answers <c>room.list</c> from <see cref="IRoomDirectoryStore"/>. A stateless worker: it holds nothing, so every silo
/// answers locally and no single activation becomes the bottleneck of discovery.
/// </summary>
[StatelessWorker]
public sealed class RoomDirectoryGrain(IRoomDirectoryStore directory, IOptions<ChatOptions> options) : Grain, IRoomDirectoryGrain
{
    public async Task<RoomListPage> List(string prefix, string? after, int? limit)
    {
        var size = Math.Clamp(limit ?? options.Value.RoomListPageSize, 1, options.Value.RoomListPageSize);
        var rooms = await directory.ListAsync(prefix, after, size + 1); // one more says whether a next page exists
        var page = rooms.Take(size).Select(r => new RoomListing(r.Room, r.Room, ConversationId.ForRoom(r.Room), r.Members)).ToList();
        return new RoomListPage(page, rooms.Count > size ? page[^1].Id : null);
    }
}
