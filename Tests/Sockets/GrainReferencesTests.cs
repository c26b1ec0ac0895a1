using OrleansChat.Gateway.Sockets;
using OrleansChat.Grains;
using OrleansChat.Model;
using OrleansChat.Tests.Infrastructure;

namespace OrleansChat.Tests.Sockets;

/// <summary>References built from the cached grain and interface types are the grains GetGrain would name, and work.</summary>
[Collection(SharedCluster.Name)]
public sealed class GrainReferencesTests(ClusterFixture fixture)
{
    [Fact]
    public async Task A_reference_names_the_same_grain_as_GetGrain_and_calls_it()
    {
        var users = new GrainReferences<IUserGrain>(fixture.Client);
        var rooms = new GrainReferences<IGroupRoomGrain>(fixture.Client);
        var (userId, room) = (Names.New("u"), Names.New("r"));

        Assert.Equal(fixture.Client.GetGrain<IUserGrain>(userId).GetGrainId(), users.Get(userId).GetGrainId());
        Assert.Equal(fixture.Client.GetGrain<IGroupRoomGrain>(room).GetGrainId(), rooms.Get(room).GetGrainId());
        Assert.NotEqual(users.Get(userId).GetGrainId(), users.Get(userId + "x").GetGrainId());

        var profile = new UserProfile(userId, "U", null);
        await using var gateway = new TestGateway(fixture.Client, renew: false, TimeSpan.FromMinutes(1));
        await gateway.Connect(profile);
        Assert.Equal(profile, await users.Get(userId).GetProfile());
    }
}
