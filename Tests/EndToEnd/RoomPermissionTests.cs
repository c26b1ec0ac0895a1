using OrleansChat.Tests.Infrastructure;

namespace OrleansChat.Tests.EndToEnd;

/// <summary>Private rooms, invitations and moderation over real sockets, as clients see them.</summary>
[Collection(GatewayGroup.Name)]
public sealed class RoomPermissionTests(GatewayFixture fixture)
{
    private readonly GatewayServer _server = fixture.Server;

    [Fact]
    public async Task A_private_room_admits_only_invited_users()
    {
        var room = GatewayServer.UniqueName("room");
        var bobId = GatewayServer.UniqueName("bob");
        await using var alice = await _server.ConnectAsync(GatewayServer.UniqueName("alice"), "Alice");
        await using var bob = await _server.ConnectAsync(bobId, "Bob");
        await alice.AckedAsync(id => new { type = "room.create", id, room, visibility = "private" });

        var refused = await bob.RequestAsync(id => new { type = "room.join", id, room });
        Assert.Equal("forbidden", refused.Str("code"));

        await alice.AckedAsync(id => new { type = "room.invite", id, room, user = bobId });
        var invited = await bob.WaitForAsync(f => f.Type == "room.invited");
        Assert.Equal((room, "private", "Alice"), (invited.Str("room"), invited.Str("visibility"), invited.Json.GetProperty("by").GetProperty("name").GetString()));
        await bob.AckedAsync(id => new { type = "room.join", id, room });

        var members = await bob.AckedAsync(id => new { type = "room.members", id, room });
        var roles = members.Json.GetProperty("members").EnumerateArray()
            .ToDictionary(m => m.GetProperty("user").GetProperty("name").GetString()!, m => m.GetProperty("role").GetString());
        Assert.Equal(new Dictionary<string, string?> { ["Alice"] = "owner", ["Bob"] = "member" }, roles);
        var exists = await bob.RequestAsync(id => new { type = "room.create", id, room });
        Assert.Equal("conflict", exists.Str("code"));
    }

    [Fact]
    public async Task A_kicked_member_is_told_and_no_longer_receives_or_sends()
    {
        var (room, bobId) = (GatewayServer.UniqueName("room"), GatewayServer.UniqueName("bob"));
        await using var alice = await _server.ConnectAsync(GatewayServer.UniqueName("alice"), "Alice");
        await using var bob = await _server.ConnectAsync(bobId, "Bob");
        await using var carol = await _server.ConnectAsync(GatewayServer.UniqueName("carol"), "Carol");
        foreach (var client in new[] { alice, bob, carol })
        {
            await client.AckedAsync(id => new { type = "room.join", id, room });
        }

        await alice.AckedAsync(id => new { type = "room.kick", id, room, user = bobId, reason = "off topic" });

        var kicked = await bob.WaitForAsync(f => f.Type == "room.kicked");
        Assert.Equal((bobId, "off topic"), (kicked.Json.GetProperty("user").GetProperty("id").GetString(), kicked.Str("reason")));
        await carol.WaitForAsync(f => f.Type == "room.kicked");
        var send = await bob.RequestAsync(id => new { type = "room.send", id, room, body = new { kind = "text", text = "still here?" } });
        Assert.Equal("forbidden", send.Str("code"));

        var after = await alice.AckedAsync(id => new { type = "room.send", id, room, body = new { kind = "text", text = "bye bob" } });
        await carol.WaitForAsync(f => f.Type == "room.message" && f.Number("seq") == after.Number("seq"));
        Assert.Equal(0, bob.Count(f => f.Type == "room.message"));
    }

    [Fact]
    public async Task A_muted_member_is_forbidden_to_send_until_the_mute_expires()
    {
        var (room, bobId) = (GatewayServer.UniqueName("room"), GatewayServer.UniqueName("bob"));
        await using var alice = await _server.ConnectAsync(GatewayServer.UniqueName("alice"), "Alice");
        await using var bob = await _server.ConnectAsync(bobId, "Bob");
        await alice.AckedAsync(id => new { type = "room.join", id, room });
        await bob.AckedAsync(id => new { type = "room.join", id, room });

        await alice.AckedAsync(id => new { type = "room.mute", id, room, user = bobId, durationMs = 1500 });

        var muted = await bob.WaitForAsync(f => f.Type == "room.muted");
        var members = await bob.AckedAsync(id => new { type = "room.members", id, room });
        var bobEntry = members.Json.GetProperty("members").EnumerateArray().Single(m => m.GetProperty("user").GetProperty("id").GetString() == bobId);
        Assert.Equal(muted.Number("until"), bobEntry.GetProperty("mutedUntil").GetInt64());
        var refused = await bob.RequestAsync(id => new { type = "room.send", id, room, body = new { kind = "text", text = "let me talk" } });
        Assert.Equal("forbidden", refused.Str("code"));

        await Eventually.TrueAsync(
            async () => (await bob.RequestAsync(id => new { type = "room.send", id, room, body = new { kind = "text", text = "finally" } })).Type == "ack",
            "the mute expired");
    }

    [Fact]
    public async Task A_banned_user_cannot_rejoin_until_unbanned()
    {
        var (room, bobId) = (GatewayServer.UniqueName("room"), GatewayServer.UniqueName("bob"));
        await using var alice = await _server.ConnectAsync(GatewayServer.UniqueName("alice"), "Alice");
        await using var bob = await _server.ConnectAsync(bobId, "Bob");
        await alice.AckedAsync(id => new { type = "room.join", id, room });
        await bob.AckedAsync(id => new { type = "room.join", id, room });

        await alice.AckedAsync(id => new { type = "room.ban", id, room, user = bobId });

        await bob.WaitForAsync(f => f.Type == "room.banned");
        Assert.Equal("forbidden", (await bob.RequestAsync(id => new { type = "room.join", id, room })).Str("code"));
        await alice.AckedAsync(id => new { type = "room.unban", id, room, user = bobId });
        await bob.AckedAsync(id => new { type = "room.join", id, room });
        await bob.AckedAsync(id => new { type = "room.send", id, room, body = new { kind = "text", text = "behaving now" } });
    }

    [Fact]
    public async Task A_member_cannot_moderate_and_an_admin_cannot_act_on_the_owner()
    {
        var room = GatewayServer.UniqueName("room");
        var (aliceId, bobId, carolId) = (GatewayServer.UniqueName("alice"), GatewayServer.UniqueName("bob"), GatewayServer.UniqueName("carol"));
        await using var alice = await _server.ConnectAsync(aliceId, "Alice");
        await using var bob = await _server.ConnectAsync(bobId, "Bob");
        await using var carol = await _server.ConnectAsync(carolId, "Carol");
        foreach (var client in new[] { alice, bob, carol })
        {
            await client.AckedAsync(id => new { type = "room.join", id, room });
        }

        foreach (var frame in Moderations(room, carolId))
        {
            var refused = await bob.RequestAsync(frame);
            Assert.True(refused.Str("code") == "forbidden", $"a member's {refused} should be forbidden");
        }

        await alice.AckedAsync(id => new { type = "room.role", id, room, user = carolId, role = "admin" });
        await bob.WaitForAsync(f => f.Type == "room.role" && f.Str("role") == "admin");
        foreach (var frame in Moderations(room, aliceId).Skip(1)) // inviting the owner is a conflict, not a rank question
        {
            var refused = await carol.RequestAsync(frame);
            Assert.True(refused.Str("code") == "forbidden", $"an admin's {refused} on the owner should be forbidden");
        }

        await carol.AckedAsync(id => new { type = "room.mute", id, room, user = bobId, durationMs = 60_000 });
        var roleChange = await carol.RequestAsync(id => new { type = "room.role", id, room, user = bobId, role = "admin" });
        Assert.Equal("forbidden", roleChange.Str("code"));
    }

    [Fact]
    public async Task Moderation_frames_are_validated()
    {
        var room = GatewayServer.UniqueName("room");
        await using var alice = await _server.ConnectAsync(GatewayServer.UniqueName("alice"));
        await alice.AckedAsync(id => new { type = "room.join", id, room });

        object[] bad =
        [
            new { type = "room.mute", id = "b1", room, user = "bob", durationMs = 0 },
            new { type = "room.mute", id = "b2", room, user = "bob", durationMs = 31L * 24 * 3600 * 1000 },
            new { type = "room.role", id = "b3", room, user = "bob", role = "owner" },
            new { type = "room.role", id = "b4", room, user = "bob", role = "king" },
            new { type = "room.create", id = "b5", room = GatewayServer.UniqueName("room"), visibility = "secret" },
            new { type = "room.kick", id = "b6", room, user = "not a user id" },
            new { type = "room.ban", id = "b7", room, user = "bob", reason = new string('x', 201) },
            new { type = "room.invite", id = "b8", room },
        ];
        foreach (var frame in bad)
        {
            await alice.SendAsync(frame);
        }

        for (var i = 1; i <= bad.Length; i++)
        {
            var reply = await alice.WaitForAsync(f => f.Re == $"b{i}");
            Assert.True(reply.Type == "error" && reply.Str("code") == "bad_request", $"b{i}: {reply}");
        }

        await alice.AckedAsync(id => new { type = "ping", id }); // the connection goes on
    }

    private static IEnumerable<Func<string, object>> Moderations(string room, string target) =>
    [
        id => new { type = "room.invite", id, room, user = target },
        id => new { type = "room.kick", id, room, user = target },
        id => new { type = "room.mute", id, room, user = target, durationMs = 60_000 },
        id => new { type = "room.ban", id, room, user = target },
    ];
}
