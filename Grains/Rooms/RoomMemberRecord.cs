using System.Text;
using OrleansChat.Model;

namespace OrleansChat.Grains.Rooms;

/// <summary>Where a user stands with a room. One status at a time: joining uses an invitation up, a ban drops both.</summary>
public enum MemberStatus
{
    Member,

    /// <summary>Invited and not yet joined (a private room admits only these).</summary>
    Invited,

    /// <summary>Refused on every join until unbanned.</summary>
    Banned,

    /// <summary>Gone (left or kicked) but kept for a mute that has not ended: rejoining does not lift a mute.</summary>
    Left,
}

/// <summary>
/// One user's row of one room in <see cref="IRoomMemberStore"/>: written whole on every change, so a join, leave,
/// mute or role change writes one row whatever the room's size. <see cref="Profile"/> is kept for members (it is what
/// <c>room.members</c> shows) and may be null otherwise; reads of standings alone leave it null.
/// </summary>
public sealed record RoomMemberRecord(
    string Room,
    string UserId,
    MemberStatus Status,
    bool IsAdmin = false,
    UserProfile? Profile = null,
    long? MutedUntilMs = null)
{
    /// <summary>
    /// The row's payload in bytes (UTF-8 text, 8 per number, 1 per flag): the unit every backend counts writes in,
    /// so the same operation reports the same size on every backend and a test can compare rooms of any size.
    /// </summary>
    public int PayloadBytes =>
        KeyBytes(Room, UserId) + 1 + 1 + (MutedUntilMs is null ? 0 : 8)
        + Utf8(Profile?.Name) + Utf8(Profile?.AvatarUrl);

    /// <summary>What deleting a row writes: its key.</summary>
    public static int KeyBytes(string room, string userId) => Utf8(room) + Utf8(userId);

    /// <summary>True when the mute has not ended at <paramref name="nowMs"/>.</summary>
    public bool IsMutedAt(long nowMs) => MutedUntilMs > nowMs;

    private static int Utf8(string? text) => text is null ? 0 : Encoding.UTF8.GetByteCount(text);
}
