namespace OrleansChat.Model;

/// <summary>
/// Whether a room announces joins and leaves (owners and admins set it with <c>room.notices</c>); the wire spells it
/// in snake_case (<c>auto</c>, <c>off</c>).
/// </summary>
[GenerateSerializer]
public enum RoomNotices
{
    /// <summary>
    /// One <c>room.joined</c> / <c>room.left</c> per change up to <c>Chat:AnnounceMaxMembers</c> members, coalesced
    /// <c>room.activity</c> frames (at most one a second) above.
    /// </summary>
    Auto,

    /// <summary>No join or leave notices at all (kicks, bans, mutes and roles are still announced).</summary>
    Off,
}
