using Microsoft.Extensions.DependencyInjection;
using OrleansChat.Grains;
using OrleansChat.Model;
using OrleansChat.Tests.Infrastructure;

namespace OrleansChat.Tests.Grains;

[Collection(SharedCluster.Name)]
public sealed class ChatExceptionTests(ClusterFixture fixture)
{
    [Fact]
    public async Task The_error_code_survives_a_call_from_the_client()
    {
        var room = fixture.Client.GetGrain<IGroupRoomGrain>(Names.New("room"));

        var refused = await Assert.ThrowsAsync<ChatException>(() => room.GetMembers("stranger"));

        Assert.Equal(ChatErrorCode.Forbidden, refused.Code);
        Assert.Contains("not a member", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_error_code_survives_a_call_from_another_silo()
    {
        await using var gateway = fixture.NewGateway();
        var roomName = Names.New("room");
        await gateway.Join(roomName, Names.User());
        var room = fixture.Client.GetGrain<IGroupRoomGrain>(roomName);
        Assert.True(fixture.Cluster.TryGetGrainContext(room.GetGrainId(), out var context));
        var host = context.Address.SiloAddress;
        var otherSilo = fixture.Cluster.GetActiveSilos().Single(s => s.SiloAddress != host).SiloAddress;
        var grainsOfOtherSilo = fixture.Cluster.GetSiloServiceProvider(otherSilo).GetRequiredService<IGrainFactory>();

        var refused = await Assert.ThrowsAsync<ChatException>(
            () => grainsOfOtherSilo.GetGrain<IGroupRoomGrain>(roomName).Leave("stranger"));

        Assert.Equal(ChatErrorCode.NotFound, refused.Code);
        Assert.True(fixture.Cluster.TryGetGrainContext(room.GetGrainId(), out var stillThere));
        Assert.Equal(host, stillThere.Address.SiloAddress); // it really was a silo-to-silo call
    }
}
