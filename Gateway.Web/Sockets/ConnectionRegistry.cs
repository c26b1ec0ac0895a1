using System.Collections.Concurrent;

namespace OrleansChat.Gateway.Sockets;

/// <summary>
/// This process's sockets indexed by user and by room. Reads (every fan-out) take no lock: each key maps to an
/// immutable array replaced on change under one writer lock, since sockets come and go far less often than
/// messages arrive. User ids and room names are also kept by renewal bucket (<see cref="RenewalBuckets"/>).
/// </summary>
public sealed class ConnectionRegistry
{
    private readonly ConcurrentDictionary<string, ClientConnection[]> _byUser = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ClientConnection[]> _byRoom = new(StringComparer.Ordinal);
    private readonly Dictionary<ClientConnection, HashSet<string>> _roomsOf = [];
    private readonly RenewalBuckets _userBuckets = new();
    private readonly RenewalBuckets _roomBuckets = new();
    private readonly Lock _lock = new();

    public int ConnectionCount
    {
        get
        {
            lock (_lock)
            {
                return _roomsOf.Count;
            }
        }
    }

    public ClientConnection[] OfUser(string userId) => _byUser.TryGetValue(userId, out var c) ? c : [];

    public ClientConnection[] InRoom(string room) => _byRoom.TryGetValue(room, out var c) ? c : [];

    public void Add(ClientConnection connection)
    {
        lock (_lock)
        {
            _roomsOf.Add(connection, new HashSet<string>(StringComparer.Ordinal));
            Append(_byUser, _userBuckets, connection.User.Id, connection);
        }
    }

    /// <summary>Forgets the socket; returns the rooms where its user now has no local socket (to detach from).</summary>
    public IReadOnlyList<string> Remove(ClientConnection connection)
    {
        lock (_lock)
        {
            if (!_roomsOf.Remove(connection, out var rooms))
            {
                return [];
            }

            Without(_byUser, _userBuckets, connection.User.Id, connection);
            var abandoned = new List<string>();
            foreach (var room in rooms)
            {
                Without(_byRoom, _roomBuckets, room, connection);
                if (!HasUserIn(room, connection.User.Id, connection))
                {
                    abandoned.Add(room);
                }
            }

            return abandoned;
        }
    }

    /// <summary>Puts the socket in the room's index; true when it is its user's first local socket there (to attach).</summary>
    public bool AddToRoom(string room, ClientConnection connection)
    {
        lock (_lock)
        {
            if (!_roomsOf.TryGetValue(connection, out var rooms) || !rooms.Add(room))
            {
                return false;
            }

            var first = !HasUserIn(room, connection.User.Id, connection);
            Append(_byRoom, _roomBuckets, room, connection);
            return first;
        }
    }

    /// <summary>Takes the socket out of the room's index; true when its user has no local socket there any more.</summary>
    public bool RemoveFromRoom(string room, ClientConnection connection)
    {
        lock (_lock)
        {
            if (!_roomsOf.TryGetValue(connection, out var rooms) || !rooms.Remove(room))
            {
                return false;
            }

            Without(_byRoom, _roomBuckets, room, connection);
            return !HasUserIn(room, connection.User.Id, connection);
        }
    }

    /// <summary>Each room of the slice with the distinct users who have a socket in it here (for renewing subscriptions).</summary>
    public IReadOnlyList<(string Room, string[] Users)> RoomsSnapshot(RenewalSlice slice)
    {
        lock (_lock)
        {
            return [.. _roomBuckets.In(slice).Select(room => (room, InRoom(room).Select(c => c.User.Id).Distinct(StringComparer.Ordinal).ToArray()))];
        }
    }

    /// <summary>The local connections of each user of the slice (one array per user, never empty).</summary>
    public IReadOnlyList<ClientConnection[]> UsersSnapshot(RenewalSlice slice)
    {
        lock (_lock)
        {
            return [.. _userBuckets.In(slice).Select(OfUser)];
        }
    }

    /// <summary>
    /// Every local connection, read as it goes: the idle sweep walks them all every few seconds, so no copy (the
    /// dictionary's <c>Values</c> would copy under every lock) and no enumerator per user.
    /// </summary>
    public IEnumerable<ClientConnection> AllConnections()
    {
        foreach (var (_, connections) in _byUser)
        {
            foreach (var connection in connections)
            {
                yield return connection;
            }
        }
    }

    /// <summary>
    /// Whether another local socket of the user is in the room, asked of the user's few sockets, not of the room's
    /// (a scan of the room's sockets per join made filling a room of 3,000 O(N^2): 4 % of the gateway's CPU).
    /// </summary>
    private bool HasUserIn(string room, string userId, ClientConnection except)
    {
        foreach (var other in OfUser(userId))
        {
            if (!ReferenceEquals(other, except) && _roomsOf.TryGetValue(other, out var rooms) && rooms.Contains(room))
            {
                return true;
            }
        }

        return false;
    }

    private static void Append(ConcurrentDictionary<string, ClientConnection[]> index, RenewalBuckets buckets, string key, ClientConnection connection)
    {
        if (index.TryGetValue(key, out var current))
        {
            index[key] = [.. current, connection];
        }
        else
        {
            index[key] = [connection];
            buckets.Add(key);
        }
    }

    private static void Without(ConcurrentDictionary<string, ClientConnection[]> index, RenewalBuckets buckets, string key, ClientConnection connection)
    {
        if (!index.TryGetValue(key, out var current))
        {
            return;
        }

        var remaining = Array.FindAll(current, c => !ReferenceEquals(c, connection));
        if (remaining.Length == 0)
        {
            index.TryRemove(key, out _);
            buckets.Remove(key);
        }
        else
        {
            index[key] = remaining;
        }
    }
}
