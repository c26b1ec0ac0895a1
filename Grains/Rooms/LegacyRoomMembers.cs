using OrleansChat.Model;

namespace OrleansChat.Grains.Rooms;

/// <summary>
/// Rooms stored before members had rows of their own kept everyone in the grain state (<see cref="RoomState"/>'s
/// legacy collections). On activation those become rows (<see cref="ToRecords"/>), and the state is written back
/// without them. The rows are written first: a crash in between moves the same members again, which is harmless,
/// because nothing else runs before the activation has finished.
/// </summary>
public static class LegacyRoomMembers
{
    /// <summary>One row per user named anywhere in the legacy collections; a member's standing wins over a ban or an invitation.</summary>
    public static IReadOnlyList<RoomMemberRecord> ToRecords(string room, RoomState state, long nowMs)
    {
        ArgumentNullException.ThrowIfNull(state);
        var records = new Dictionary<string, RoomMemberRecord>(StringComparer.Ordinal);
        foreach (var (userId, until) in state.LegacyMutedUntil)
        {
            if (until.ToUnixTimeMilliseconds() > nowMs)
            {
                records[userId] = new RoomMemberRecord(room, userId, MemberStatus.Left, MutedUntilMs: until.ToUnixTimeMilliseconds());
            }
        }

        foreach (var userId in state.LegacyInvited)
        {
            records[userId] = With(room, records, userId, MemberStatus.Invited, isAdmin: false, profile: null);
        }

        foreach (var userId in state.LegacyBanned)
        {
            records[userId] = With(room, records, userId, MemberStatus.Banned, isAdmin: false, profile: null);
        }

        foreach (var (userId, profile) in state.LegacyMembers)
        {
            records[userId] = With(room, records, userId, MemberStatus.Member, state.LegacyAdmins.Contains(userId), profile);
        }

        return [.. records.Values];
    }

    private static RoomMemberRecord With(
        string room, Dictionary<string, RoomMemberRecord> records, string userId, MemberStatus status, bool isAdmin, UserProfile? profile) =>
        new(room, userId, status, isAdmin, profile, records.GetValueOrDefault(userId)?.MutedUntilMs);
}
