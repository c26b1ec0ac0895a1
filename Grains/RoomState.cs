using OrleansChat.Model;

namespace OrleansChat.Grains;

/// <summary>
/// What a group room persists: members, visibility, roles, invitations, bans and mutes. Gateways hosting online
/// members are not persisted (gateways renew them). Stored by field [Id] (ChatGrainStorageSerializer), not by type or
/// property name; the alias is the stable name wherever a type name is written.
/// </summary>
[GenerateSerializer, Alias("chat.RoomState")]
public sealed class RoomState
{
    [Id(0)]
    public Dictionary<string, UserProfile> Members { get; set; } = new(StringComparer.Ordinal);

    [Id(1)]
    public DateTimeOffset? CreatedAt { get; set; }

    [Id(2)]
    public RoomVisibility Visibility { get; set; } = RoomVisibility.Public;

    /// <summary>Null for a room emptied by its last member, and for rooms stored before roles existed.</summary>
    [Id(3)]
    public string? OwnerId { get; set; }

    [Id(4)]
    public HashSet<string> Admins { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Users invited and not yet joined; joining uses the invitation up.</summary>
    [Id(5)]
    public HashSet<string> Invited { get; set; } = new(StringComparer.Ordinal);

    [Id(6)]
    public HashSet<string> Banned { get; set; } = new(StringComparer.Ordinal);

    /// <summary>When each mute ends. Kept across leave and kick (rejoining does not lift a mute); expired entries are ignored.</summary>
    [Id(7)]
    public Dictionary<string, DateTimeOffset> MutedUntil { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Whether joins and leaves are announced; rooms stored before it existed read as <see cref="RoomNotices.Auto"/>.</summary>
    [Id(8)]
    public RoomNotices Notices { get; set; } = RoomNotices.Auto;

    public bool IsMember(string userId) => Members.ContainsKey(userId);

    /// <summary>A member's role; a user who is not a member is ranked as a member.</summary>
    public RoomRole RoleOf(string userId) =>
        userId == OwnerId ? RoomRole.Owner
        : Admins.Contains(userId) ? RoomRole.Admin
        : RoomRole.Member;

    public DateTimeOffset? MuteEnd(string userId, DateTimeOffset now) =>
        MutedUntil.TryGetValue(userId, out var until) && until > now ? until : null;

    /// <summary>Drops the member and their role; returns the profile, or null when they were no member.</summary>
    public UserProfile? RemoveMember(string userId)
    {
        Admins.Remove(userId);
        return Members.Remove(userId, out var user) ? user : null;
    }

    /// <summary>
    /// When the owner is gone, ownership passes to an admin, else to a member (the smallest user id, so the
    /// choice is deterministic). Returns the new owner, or null when nobody is left.
    /// </summary>
    public UserProfile? PassOwnership()
    {
        var heir = Admins.Where(IsMember).Order(StringComparer.Ordinal).FirstOrDefault()
            ?? Members.Keys.Order(StringComparer.Ordinal).FirstOrDefault();
        OwnerId = heir;
        if (heir is null)
        {
            return null;
        }

        Admins.Remove(heir);
        return Members[heir];
    }
}
