namespace OrleansChat.Grains.Rooms;

/// <summary>The room directory of the in-memory deployment: one sorted map. Lost on restart, like the in-memory log.</summary>
public sealed class InMemoryRoomDirectoryStore : IRoomDirectoryStore
{
    private readonly SortedDictionary<string, int> _rooms = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    public Task UpsertAsync(string room, int members, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            _rooms[room] = members;
        }

        return Task.CompletedTask;
    }

    public Task RemoveAsync(string room, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            _rooms.Remove(room);
        }

        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<RoomDirectoryEntry>> ListAsync(string prefix, string? after, int limit, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            // A linear walk: the in-memory store serves tests and single-process demos, not a million rooms.
            IReadOnlyList<RoomDirectoryEntry> page = [.. _rooms
                .Where(r => r.Key.StartsWith(prefix, StringComparison.Ordinal) && (after is null || string.CompareOrdinal(r.Key, after) > 0))
                .Take(Math.Max(limit, 0))
                .Select(r => new RoomDirectoryEntry(r.Key, r.Value))];
            return Task.FromResult(page);
        }
    }
}
