namespace OrleansChat.Grains.Rooms;

/// <summary>A user's standing in a room without the profile: what every join, send and rank check reads.</summary>
public readonly record struct MemberStanding(MemberStatus Status, bool IsAdmin, long? MutedUntilMs);

/// <summary>
/// A room grain's in-memory index of its rows in <see cref="IRoomMemberStore"/>: standings only (status, admin flag,
/// mute end), no profiles, so a room of 100,000 members holds a few megabytes and answers every membership check of
/// a send without a database round trip. Profiles are read from the store when shown (pages, announcements).
/// The store is written first and the roster follows, so a failed write leaves the roster as the store is.
/// </summary>
public sealed class RoomRoster
{
    private readonly Dictionary<string, MemberStanding> _standings = new(StringComparer.Ordinal);

    public int MemberCount { get; private set; }

    public void Load(IEnumerable<RoomMemberRecord> records)
    {
        ArgumentNullException.ThrowIfNull(records);
        _standings.Clear();
        MemberCount = 0;
        foreach (var record in records)
        {
            Apply(record);
        }
    }

    public void Apply(RoomMemberRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        Remove(record.UserId);
        _standings[record.UserId] = new MemberStanding(record.Status, record.IsAdmin, record.MutedUntilMs);
        MemberCount += record.Status == MemberStatus.Member ? 1 : 0;
    }

    public void Remove(string userId)
    {
        if (_standings.Remove(userId, out var old) && old.Status == MemberStatus.Member)
        {
            MemberCount--;
        }
    }

    public MemberStanding? Find(string userId) => _standings.TryGetValue(userId, out var standing) ? standing : null;

    public bool IsMember(string userId) => Find(userId)?.Status == MemberStatus.Member;

    public bool IsBanned(string userId) => Find(userId)?.Status == MemberStatus.Banned;

    public bool IsInvited(string userId) => Find(userId)?.Status == MemberStatus.Invited;

    public bool IsAdmin(string userId) => Find(userId) is { Status: MemberStatus.Member, IsAdmin: true };

    public long? MutedUntilMs(string userId) => Find(userId)?.MutedUntilMs;

    /// <summary>The user's row as the roster knows it (no profile), or a fresh one with <paramref name="status"/> when there is none.</summary>
    public RoomMemberRecord RecordOf(string room, string userId, MemberStatus status) =>
        Find(userId) is { } standing
            ? new RoomMemberRecord(room, userId, standing.Status, standing.IsAdmin, null, standing.MutedUntilMs)
            : new RoomMemberRecord(room, userId, status);
}
