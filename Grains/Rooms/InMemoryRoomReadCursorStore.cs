using System.Collections.Concurrent;

namespace OrleansChat.Grains.Rooms;

/// <summary>The read cursors of the in-memory deployment: one map per room. Lost on restart, like the in-memory log.</summary>
public sealed class InMemoryRoomReadCursorStore : IRoomReadCursorStore
{
    private readonly ConcurrentDictionary<string, Dictionary<string, long>> _rooms = new(StringComparer.Ordinal);

    public Task<IReadOnlyDictionary<string, long>> LoadAsync(string room, CancellationToken cancellationToken = default)
    {
        var cursors = Cursors(room);
        lock (cursors)
        {
            return Task.FromResult<IReadOnlyDictionary<string, long>>(new Dictionary<string, long>(cursors, StringComparer.Ordinal));
        }
    }

    public Task AdvanceAsync(string room, IReadOnlyCollection<KeyValuePair<string, long>> cursors, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(cursors);
        var stored = Cursors(room);
        lock (stored)
        {
            foreach (var (userId, seq) in cursors)
            {
                stored[userId] = Math.Max(stored.GetValueOrDefault(userId), seq);
            }
        }

        return Task.CompletedTask;
    }

    public Task DeleteAsync(string room, string userId, CancellationToken cancellationToken = default)
    {
        var stored = Cursors(room);
        lock (stored)
        {
            stored.Remove(userId);
        }

        return Task.CompletedTask;
    }

    private Dictionary<string, long> Cursors(string room) => _rooms.GetOrAdd(room, _ => new(StringComparer.Ordinal));
}
