using System.Collections.Concurrent;

namespace OrleansChat.Grains.Rooms;

/// <summary>
/// The member store of the in-memory deployment (MessageLog:Provider = InMemory): one sorted map per room, so pages
/// come in user id order and a write touches one entry. Lost on restart, like the in-memory log.
/// </summary>
public sealed class InMemoryRoomMemberStore : IRoomMemberStore
{
    private readonly ConcurrentDictionary<string, SortedDictionary<string, RoomMemberRecord>> _rooms = new(StringComparer.Ordinal);

    private long _profilesRead;

    public RoomMemberWrites Writes { get; } = new();

    /// <summary>Rows returned with their profile (point reads and pages): how tests see that a room never loads every profile.</summary>
    public long ProfilesRead => Interlocked.Read(ref _profilesRead);

    public Task<IReadOnlyList<RoomMemberRecord>> LoadStandingsAsync(string room, CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<RoomMemberRecord>>(Read(room, rows => rows.Values.Select(r => r with { Profile = null }).ToList()));

    public Task<RoomMemberRecord?> FindAsync(string room, string userId, CancellationToken cancellationToken = default)
    {
        var row = Read(room, rows => rows.GetValueOrDefault(userId));
        Interlocked.Add(ref _profilesRead, row is null ? 0 : 1);
        return Task.FromResult(row);
    }

    public Task SaveAsync(RoomMemberRecord record, CancellationToken cancellationToken = default) =>
        SaveManyAsync([record], cancellationToken);

    public Task SaveManyAsync(IReadOnlyCollection<RoomMemberRecord> records, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(records);
        foreach (var record in records)
        {
            var rows = Rows(record.Room);
            lock (rows)
            {
                rows[record.UserId] = record;
            }

            Writes.Add(1, record.PayloadBytes);
        }

        return Task.CompletedTask;
    }

    public Task DeleteAsync(string room, string userId, CancellationToken cancellationToken = default)
    {
        var rows = Rows(room);
        lock (rows)
        {
            if (rows.Remove(userId))
            {
                Writes.Add(1, RoomMemberRecord.KeyBytes(room, userId));
            }
        }

        return Task.CompletedTask;
    }

    public Task<RoomMemberPage> ListMembersAsync(string room, string? afterUserId, int limit, CancellationToken cancellationToken = default) =>
        Task.FromResult(Read(room, rows =>
        {
            // A linear skip to the cursor: the in-memory store serves tests and single-process demos, not 100,000-member rooms.
            var members = rows.Values
                .Where(r => r.Status == MemberStatus.Member && (afterUserId is null || string.CompareOrdinal(r.UserId, afterUserId) > 0))
                .Take(Math.Max(limit, 0) + 1)
                .ToList();
            var page = RoomMemberPages.Of(members, limit);
            Interlocked.Add(ref _profilesRead, page.Members.Count);
            return page;
        }));

    public Task<string?> FindHeirAsync(string room, CancellationToken cancellationToken = default) =>
        Task.FromResult(Read(room, rows =>
        {
            var members = rows.Values.Where(r => r.Status == MemberStatus.Member).ToList();
            return (members.FirstOrDefault(r => r.IsAdmin) ?? members.FirstOrDefault())?.UserId;
        }));

    private SortedDictionary<string, RoomMemberRecord> Rows(string room) =>
        _rooms.GetOrAdd(room, _ => new SortedDictionary<string, RoomMemberRecord>(StringComparer.Ordinal));

    private T Read<T>(string room, Func<SortedDictionary<string, RoomMemberRecord>, T> read)
    {
        var rows = Rows(room);
        lock (rows)
        {
            return read(rows);
        }
    }
}
