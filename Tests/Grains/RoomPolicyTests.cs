using OrleansChat.Grains.Rooms;
using OrleansChat.Model;

namespace OrleansChat.Tests.Grains;

/// <summary>The permission matrix of docs/protocol.md, cell by cell.</summary>
public sealed class RoomPolicyTests
{
    [Theory]
    [InlineData(RoomRole.Owner, RoomRole.Owner, false)]
    [InlineData(RoomRole.Owner, RoomRole.Admin, true)]
    [InlineData(RoomRole.Owner, RoomRole.Member, true)]
    [InlineData(RoomRole.Admin, RoomRole.Owner, false)]
    [InlineData(RoomRole.Admin, RoomRole.Admin, false)]
    [InlineData(RoomRole.Admin, RoomRole.Member, true)]
    [InlineData(RoomRole.Member, RoomRole.Owner, false)]
    [InlineData(RoomRole.Member, RoomRole.Admin, false)]
    [InlineData(RoomRole.Member, RoomRole.Member, false)]
    public void Moderation_goes_strictly_downwards(RoomRole actor, RoomRole target, bool allowed) =>
        Assert.Equal(allowed, RoomPolicy.CanModerate(actor, target));

    [Theory]
    [InlineData(RoomRole.Owner, true, true)]
    [InlineData(RoomRole.Admin, true, false)]
    [InlineData(RoomRole.Member, false, false)]
    public void Owners_and_admins_moderate_and_only_owners_set_roles(RoomRole actor, bool moderates, bool setsRoles)
    {
        Assert.Equal(moderates, RoomPolicy.IsModerator(actor));
        Assert.Equal(setsRoles, RoomPolicy.CanSetRoles(actor));
    }
}
