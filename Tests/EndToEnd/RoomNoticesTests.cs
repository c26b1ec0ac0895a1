using OrleansChat.Tests.Infrastructure;

namespace OrleansChat.Tests.EndToEnd;

/// <summary><c>room.notices</c> over real sockets: who may switch a room's join and leave notices off, and that they stop.</summary>
[Collection(GatewayGroup.Name)]
public sealed class RoomNoticesTests(GatewayFixture fixture)
{
    private readonly GatewayServer _server = fixture.Server;

    [Fact]
    public async Task An_owner_switches_join_notices_off_and_back_on_and_a_member_may_not()
    {
        var (room, carolId, danId) = (GatewayServer.UniqueName("room"), GatewayServer.UniqueName("carol"), GatewayServer.UniqueName("dan"));
        await using var alice = await _server.ConnectAsync(GatewayServer.UniqueName("alice"), "Alice");
        await using var bob = await _server.ConnectAsync(GatewayServer.UniqueName("bob"), "Bob");
        await alice.AckedAsync(id => new { type = "room.create", id, room });
        await bob.AckedAsync(id => new { type = "room.join", id, room });

        var refused = await bob.RequestAsync(id => new { type = "room.notices", id, room, notices = "off" });
        Assert.Equal("forbidden", refused.Str("code"));
        var unknown = await alice.RequestAsync(id => new { type = "room.notices", id, room, notices = "loud" });
        Assert.Equal("bad_request", unknown.Str("code"));
        var off = await alice.AckedAsync(id => new { type = "room.notices", id, room, notices = "off" });
        Assert.Equal($"room:{room}", off.Str("conv"));

        await using var carol = await _server.ConnectAsync(carolId, "Carol");
        await carol.AckedAsync(id => new { type = "room.join", id, room });
        await alice.AckedAsync(id => new { type = "room.notices", id, room, notices = "auto" });
        await using var dan = await _server.ConnectAsync(danId, "Dan");
        await dan.AckedAsync(id => new { type = "room.join", id, room });

        await alice.WaitForAsync(f => f.Type == "room.joined" && f.Json.GetProperty("user").GetProperty("id").GetString() == danId);
        Assert.Equal(0, alice.Count(f => f.Type == "room.joined" && f.Json.GetProperty("user").GetProperty("id").GetString() == carolId));
    }
}
