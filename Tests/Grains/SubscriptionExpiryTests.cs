using OrleansChat.Grains;
using OrleansChat.Model;
using OrleansChat.Protocol;
using OrleansChat.Tests.Infrastructure;

namespace OrleansChat.Tests.Grains;

[Collection(SharedCluster.Name)]
public sealed class SubscriptionExpiryTests(ClusterFixture fixture)
{
    [Fact]
    public async Task A_gateway_not_renewed_stops_receiving_while_a_renewed_one_keeps_receiving()
    {
        var expiry = ClusterFixture.SubscriptionExpiry;
        await using var alive = fixture.NewGateway(renew: true);
        await using var dead = fixture.NewGateway(renew: false);
        var room = fixture.Client.GetGrain<IGroupRoomGrain>(Names.New("room"));
        var (alice, bob, carol) = (Names.User("alice"), Names.User("bob"), Names.User("carol"));
        var roomName = room.GetPrimaryKeyString();
        await alive.Join(roomName, alice);
        await dead.Join(roomName, bob);
        await alive.Connect(alice, "alice-1");
        await dead.Connect(bob, "bob-1");

        // carol has an open private conversation with bob, so she hears when bob's gateway dies.
        await alive.Connect(carol, "carol-1");
        var dm = fixture.Client.GetGrain<IPrivateChatGrain>(ConversationId.DmKey(bob.Id, carol.Id));
        await dm.Request(carol);
        await dm.Accept(bob);
        Assert.Equal(2, await room.GetSubscribedGatewayCount());

        var started = DateTimeOffset.UtcNow;
        await Eventually.TrueAsync(async () => await room.GetSubscribedGatewayCount() == 1, "the dead gateway's subscription expired", expiry * 3);
        Assert.True(DateTimeOffset.UtcNow - started < expiry * 2);
        var offline = await alive.Recorder.WaitForFrames<DmPresenceEvent>(carol.Id, where: p => p.User == bob.Id && !p.Online);
        Assert.Single(offline);
        Assert.False(await fixture.Client.GetGrain<IUserGrain>(bob.Id).IsOnline());

        // Well past several expiry periods the renewed gateway still hears the room; the dead one hears nothing.
        await Task.Delay(expiry * 2);
        var receipt = await room.Send(alice, "late", new TextBody("still here?"));
        var late = await alive.Recorder.WaitForFrames<RoomMessageEvent>(roomName, where: m => m.Seq == receipt.Seq);
        Assert.Single(late);
        Assert.Empty(dead.Recorder.Frames<RoomMessageEvent>(roomName));
        Assert.True(await fixture.Client.GetGrain<IUserGrain>(alice.Id).IsOnline());

        var members = await room.GetMembers(alice.Id);
        Assert.Equal([(alice.Id, true), (bob.Id, false)], members.Select(m => (m.User.Id, m.Online)).OrderBy(m => m.Item1 == bob.Id));
    }

    [Fact]
    public async Task A_user_grain_renewed_by_its_gateway_keeps_its_activation_past_several_expiries()
    {
        // No timer keeps user grains alive: renewals do. The version of the user's gateways is drawn from the clock
        // when the grain activates, so an unchanged version means the same activation, kept warm all along.
        await using var gateway = fixture.NewGateway(renew: true);
        var (user, before) = await ConnectOneUser(gateway, "dave");

        // Watched without calling the grain (a call would keep it alive): past its collection age (1.1 expiries)
        // several times over, it is never deactivated.
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (watch.Elapsed < ClusterFixture.SubscriptionExpiry * 3)
        {
            Assert.Equal(1, await ActivationsOf(user));
            await Task.Delay(100);
        }

        var after = await user.GetGateways();
        Assert.Equal(before.Version, after.Version);
        Assert.Single(after.Gateways);
    }

    [Fact]
    public async Task A_user_grain_no_gateway_renews_is_collected_after_the_expiry_and_comes_back_without_gateways()
    {
        await using var gateway = fixture.NewGateway(renew: false);
        var (user, before) = await ConnectOneUser(gateway, "erin");
        var lastCall = DateTimeOffset.UtcNow;

        await Eventually.TrueAsync(async () => await ActivationsOf(user) == 0, "the unrenewed user grain is collected", ClusterFixture.SubscriptionExpiry * 4);
        Assert.True(DateTimeOffset.UtcNow - lastCall >= ClusterFixture.SubscriptionExpiry, "collected before the expiry");

        var after = await user.GetGateways(); // a new activation: nothing renewed it, so it holds no gateway
        Assert.NotEqual(before.Version, after.Version);
        Assert.Empty(after.Gateways);
    }

    /// <summary>Connects one new user through <paramref name="gateway"/>; returns its grain and gateways as of then.</summary>
    private async Task<(IUserGrain User, UserGateways Before)> ConnectOneUser(TestGateway gateway, string name)
    {
        var profile = Names.User(name);
        await gateway.Connect(profile, name + "-1");
        var user = fixture.Client.GetGrain<IUserGrain>(profile.Id);
        return (user, await user.GetGateways());
    }

    private Task<int> ActivationsOf(IUserGrain user) =>
        fixture.Client.GetGrain<IManagementGrain>(0).GetGrainActivationCount((GrainReference)user);
}
