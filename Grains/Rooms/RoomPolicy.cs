using OrleansChat.Model;

namespace OrleansChat.Grains.Rooms;

/// <summary>
/// Who may act on whom in a group room (docs/protocol.md has the matrix). Moderation (kick, mute, unmute, ban)
/// goes strictly downwards: the owner over admins and members, admins over members. Nobody acts on the owner,
/// on an equal, or on themselves. Only the owner changes roles.
/// </summary>
public static class RoomPolicy
{
    public static bool IsModerator(RoomRole role) => role is RoomRole.Owner or RoomRole.Admin;

    public static bool CanModerate(RoomRole actor, RoomRole target) => IsModerator(actor) && actor > target;

    public static bool CanSetRoles(RoomRole actor) => actor == RoomRole.Owner;
}
