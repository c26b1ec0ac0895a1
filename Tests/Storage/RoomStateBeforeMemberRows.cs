using OrleansChat.Model;

namespace OrleansChat.Tests.Storage;

/// <summary>
/// <c>RoomState</c> exactly as it was before members had rows of their own (field ids, types and names), to write a
/// room's grain state the old way: the binary storage format carries field ids, not this type's name.
/// </summary>
[GenerateSerializer]
public sealed class RoomStateBeforeMemberRows
{
    [Id(0)]
    public Dictionary<string, UserProfile> Members { get; set; } = new(StringComparer.Ordinal);

    [Id(1)]
    public DateTimeOffset? CreatedAt { get; set; }

    [Id(2)]
    public RoomVisibility Visibility { get; set; } = RoomVisibility.Public;

    [Id(3)]
    public string? OwnerId { get; set; }

    [Id(4)]
    public HashSet<string> Admins { get; set; } = new(StringComparer.Ordinal);

    [Id(5)]
    public HashSet<string> Invited { get; set; } = new(StringComparer.Ordinal);

    [Id(6)]
    public HashSet<string> Banned { get; set; } = new(StringComparer.Ordinal);

    [Id(7)]
    public Dictionary<string, DateTimeOffset> MutedUntil { get; set; } = new(StringComparer.Ordinal);
}
