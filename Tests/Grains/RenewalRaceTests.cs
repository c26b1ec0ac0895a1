using OrleansChat.Grains;
using OrleansChat.Tests.Infrastructure;

namespace OrleansChat.Tests.Grains;

/// <summary>
/// A gateway's renewal carries a list taken before the call; the grains must not let it undo the joins and
/// disconnects they handled after that list was taken (<see cref="OrleansChat.Grains.Gateways.GatewaySubscriptions"/>).
/// </summary>
[Collection(SharedCluster.Name)]
public sealed class RenewalRaceTests(ClusterFixture fixture)
{
    [Fact]
    public async Task A_room_renewal_taken_before_a_join_leaves_the_joiner_online_until_the_next_one()
    {
        await using var gateway = fixture.NewGateway(renew: false); // renewed by hand, in a chosen order
        var room = Names.New("room");
        var (alice, bob) = (Names.User("alice"), Names.User("bob"));
        var grain = fixture.Client.GetGrain<IGroupRoomGrain>(room);
        await gateway.Join(room, alice);
        await grain.Renew(gateway.Ref, [alice.Id]);

        await gateway.Join(room, bob);
        await grain.Renew(gateway.Ref, [alice.Id]); // the gateway's list predates bob's join
        Assert.Equal((true, true), await OnlineOf(grain, alice.Id, bob.Id));

        await grain.Renew(gateway.Ref, [alice.Id]); // the next renewal is authoritative
        Assert.Equal((true, false), await OnlineOf(grain, alice.Id, bob.Id));
    }

    [Fact]
    public async Task A_user_renewal_taken_before_a_second_device_connected_does_not_drop_that_device()
    {
        await using var gateway = fixture.NewGateway(renew: false);
        var carol = Names.User("carol");
        var user = fixture.Client.GetGrain<IUserGrain>(carol.Id);
        await gateway.Connect(carol, "phone");
        await gateway.Connect(carol, "laptop");

        // The gateway's list predates the laptop. The renewal is one-way, so it may be handled before or after the
        // disconnect that follows; either way the laptop stays.
        await user.RenewConnections(gateway.Ref, ["phone"]);
        await gateway.Disconnect(carol.Id, "phone");

        Assert.True(await user.IsOnline());
        Assert.Single((await user.GetGateways()).Gateways);
    }

    private static async Task<(bool, bool)> OnlineOf(IGroupRoomGrain room, string first, string second)
    {
        var online = (await room.GetMembers(first)).ToDictionary(m => m.User.Id, m => m.Online);
        return (online[first], online[second]);
    }
}
