using OrleansChat.Grains.Rooms;
using OrleansChat.Model;

namespace OrleansChat.Grains;

/// <summary>
/// What a group room persists in its grain state: the small room metadata (visibility, owner, creation time), written
/// only when one of those changes. Members, roles, invitations, bans and mutes are rows of <see cref="IRoomMemberStore"/>
/// (docs/architecture.md, "Room membership"), indexed in memory by <see cref="Roster"/>. Gateways hosting online members
/// are not persisted (gateways renew them). Stored by field [Id] (ChatGrainStorageSerializer), not by type or property
/// name; the alias is the stable name wherever a type name is written.
/// </summary>
[GenerateSerializer, Alias("chat.RoomState")]
public sealed class RoomState
{
    /// <summary>Legacy: members of a room stored before members had rows; moved into rows on activation, then empty.</summary>
    [Id(0)]
    public Dictionary<string, UserProfile> LegacyMembers { get; set; } = new(StringComparer.Ordinal);

    [Id(1)]
    public DateTimeOffset? CreatedAt { get; set; }

    [Id(2)]
    public RoomVisibility Visibility { get; set; } = RoomVisibility.Public;

    /// <summary>Null for a room emptied by its last member, and for rooms stored before roles existed.</summary>
    [Id(3)]
    public string? OwnerId { get; set; }

    /// <summary>Legacy, like <see cref="LegacyMembers"/>.</summary>
    [Id(4)]
    public HashSet<string> LegacyAdmins { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Legacy, like <see cref="LegacyMembers"/>.</summary>
    [Id(5)]
    public HashSet<string> LegacyInvited { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Legacy, like <see cref="LegacyMembers"/>.</summary>
    [Id(6)]
    public HashSet<string> LegacyBanned { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Legacy, like <see cref="LegacyMembers"/>.</summary>
    [Id(7)]
    public Dictionary<string, DateTimeOffset> LegacyMutedUntil { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Whether joins and leaves are announced; rooms stored before it existed read as <see cref="RoomNotices.Auto"/>.</summary>
    [Id(8)]
    public RoomNotices Notices { get; set; } = RoomNotices.Auto;

    /// <summary>Sorted seqs that never count as unread: recalled messages and the recall entries (see ConversationActivity).</summary>
    [Id(9)]
    public List<long> UncountedSeqs { get; set; } = [];

    /// <summary>Members who asked to be notified of every message while away (<c>conv.notify</c>); bounded, see GroupRoomGrain.MaxNotifyMembers.</summary>
    [Id(10)]
    public HashSet<string> NotifyMembers { get; set; } = new(StringComparer.Ordinal);

    [NonSerialized]
    private readonly RoomRoster _roster = new();

    /// <summary>Not persisted: loaded from the member store when the grain activates.</summary>
    public RoomRoster Roster => _roster;

    public bool HasLegacyMembers =>
        LegacyMembers.Count > 0 || LegacyAdmins.Count > 0 || LegacyInvited.Count > 0 || LegacyBanned.Count > 0 || LegacyMutedUntil.Count > 0;

    public int MemberCount => Roster.MemberCount;

    public bool IsMember(string userId) => Roster.IsMember(userId);

    /// <summary>A member's role; a user who is not a member is ranked as a member.</summary>
    public RoomRole RoleOf(string userId) =>
        userId == OwnerId ? RoomRole.Owner
        : Roster.IsAdmin(userId) ? RoomRole.Admin
        : RoomRole.Member;

    /// <summary>When the user's mute ends, if it has not yet; kept across leave and kick (rejoining does not lift a mute).</summary>
    public DateTimeOffset? MuteEnd(string userId, DateTimeOffset now) =>
        Roster.MutedUntilMs(userId) is { } until && until > now.ToUnixTimeMilliseconds() ? DateTimeOffset.FromUnixTimeMilliseconds(until) : null;

    public void ClearLegacyMembers()
    {
        LegacyMembers.Clear();
        LegacyAdmins.Clear();
        LegacyInvited.Clear();
        LegacyBanned.Clear();
        LegacyMutedUntil.Clear();
    }
}
