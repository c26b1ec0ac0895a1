using OrleansChat.Model;
using OrleansChat.Tests.Infrastructure;

namespace OrleansChat.Tests.EndToEnd;

[Collection(GatewayGroup.Name)]
public sealed class PrivateChatTests(GatewayFixture fixture)
{
    private readonly GatewayServer _server = fixture.Server;

    [Fact]
    public async Task Request_accept_chat_and_leave()
    {
        var (aliceId, bobId) = (GatewayServer.UniqueName("alice"), GatewayServer.UniqueName("bob"));
        var conv = ConversationId.ForDm(aliceId, bobId);
        await using var alice = await _server.ConnectAsync(aliceId, "Alice");
        await using var bob = await _server.ConnectAsync(bobId, "Bob");

        var early = await alice.RequestAsync(id => new { type = "dm.send", id, to = bobId, body = new { kind = "text", text = "too soon" } });
        Assert.Equal("forbidden", early.Str("code"));

        await alice.AckedAsync(id => new { type = "dm.request", id, to = bobId });
        var request = await bob.WaitForAsync(f => f.Type == "dm.request");
        Assert.Equal(aliceId, request.Json.GetProperty("from").GetProperty("id").GetString());
        Assert.Equal(conv, request.Str("conv"));

        var stillClosed = await alice.RequestAsync(id => new { type = "dm.send", id, to = bobId, body = new { kind = "text", text = "before accept" } });
        Assert.Equal("forbidden", stillClosed.Str("code"));

        await bob.AckedAsync(id => new { type = "dm.accept", id, from = aliceId });
        var openAtAlice = await alice.WaitForAsync(f => f.Type == "dm.open");
        Assert.Equal(bobId, openAtAlice.Json.GetProperty("with").GetProperty("id").GetString());
        await bob.WaitForAsync(f => f.Type == "dm.open");

        var ack = await alice.AckedAsync(id => new { type = "dm.send", id, to = bobId, body = new { kind = "audio", url = "https://cdn.example/a.mp3", durationMs = 1500 } });
        Assert.Equal(1, ack.Number("seq"));
        Assert.Equal(conv, ack.Str("conv"));
        var message = await bob.WaitForAsync(f => f.Type == "dm.message");
        Assert.Equal(1500, message.Json.GetProperty("body").GetProperty("durationMs").GetInt32());
        Assert.Equal(aliceId, message.Json.GetProperty("from").GetProperty("id").GetString());

        await bob.AckedAsync(id => new { type = "dm.leave", id, with = aliceId });
        var left = await alice.WaitForAsync(f => f.Type == "dm.left");
        Assert.Equal(bobId, left.Json.GetProperty("by").GetProperty("id").GetString());
        var afterLeave = await alice.RequestAsync(id => new { type = "dm.send", id, to = bobId, body = new { kind = "text", text = "hello?" } });
        Assert.Equal("forbidden", afterLeave.Str("code"));

        var history = await alice.AckedAsync(id => new { type = "history", id, conv });
        Assert.Single(history.Json.GetProperty("messages").EnumerateArray());
    }

    [Fact]
    public async Task Decline_tells_the_requester_and_accepting_nothing_is_a_conflict()
    {
        var (aliceId, bobId) = (GatewayServer.UniqueName("alice"), GatewayServer.UniqueName("bob"));
        await using var alice = await _server.ConnectAsync(aliceId);
        await using var bob = await _server.ConnectAsync(bobId);

        var nothingToAccept = await bob.RequestAsync(id => new { type = "dm.accept", id, from = aliceId });
        Assert.Equal("conflict", nothingToAccept.Str("code"));

        await alice.AckedAsync(id => new { type = "dm.request", id, to = bobId });
        await bob.WaitForAsync(f => f.Type == "dm.request");
        await bob.AckedAsync(id => new { type = "dm.decline", id, from = aliceId });
        var declined = await alice.WaitForAsync(f => f.Type == "dm.declined");
        Assert.Equal(bobId, declined.Json.GetProperty("by").GetProperty("id").GetString());

        var self = await alice.RequestAsync(id => new { type = "dm.request", id, to = aliceId });
        Assert.Equal("bad_request", self.Str("code"));
    }

    [Fact]
    public async Task Messages_reach_every_device_of_both_users_and_presence_is_pushed()
    {
        var (aliceId, bobId) = (GatewayServer.UniqueName("alice"), GatewayServer.UniqueName("bob"));
        await using var alicePhone = await _server.ConnectAsync(aliceId);
        await using var aliceLaptop = await _server.ConnectAsync(aliceId);
        var bob = await _server.ConnectAsync(bobId);
        await alicePhone.AckedAsync(id => new { type = "dm.request", id, to = bobId });
        await bob.WaitForAsync(f => f.Type == "dm.request");
        await bob.AckedAsync(id => new { type = "dm.accept", id, from = aliceId });
        await aliceLaptop.WaitForAsync(f => f.Type == "dm.open");

        await alicePhone.SendAsync(new { type = "dm.send", id = "dev-1", to = bobId, body = new { kind = "text", text = "from my phone" } });
        Assert.Equal("ack", (await alicePhone.WaitForAsync(f => f.Re == "dev-1")).Type);
        foreach (var device in new[] { alicePhone, aliceLaptop, bob })
        {
            var echo = await device.WaitForAsync(f => f.Type == "dm.message" && f.Number("seq") == 1);
            Assert.Equal("dev-1", echo.Str("id"));
        }

        await bob.DisposeAsync();
        var offline = await alicePhone.WaitForAsync(f => f.Type == "dm.presence" && !f.Json.GetProperty("online").GetBoolean());
        Assert.Equal(bobId, offline.Str("user"));
        await using var bobBack = await _server.ConnectAsync(bobId);
        await aliceLaptop.WaitForAsync(f => f.Type == "dm.presence" && f.Json.GetProperty("online").GetBoolean());
        var welcome = bobBack.Received.Single(f => f.Type == "welcome");
        Assert.Contains(ConversationId.ForDm(aliceId, bobId), welcome.Json.GetProperty("dms").EnumerateArray().Select(d => d.GetString()));
    }

    [Fact]
    public async Task No_field_of_a_dm_send_can_name_another_sender()
    {
        var (aliceId, bobId, malloryId) = (GatewayServer.UniqueName("alice"), GatewayServer.UniqueName("bob"), GatewayServer.UniqueName("mallory"));
        await using var bob = await _server.ConnectAsync(bobId, "Bob");
        await using var mallory = await _server.ConnectAsync(malloryId, "Mallory");
        await mallory.AckedAsync(id => new { type = "dm.request", id, to = bobId });
        await bob.AckedAsync(id => new { type = "dm.accept", id, from = malloryId });

        await mallory.AckedAsync(id => new
        {
            type = "dm.send", id, to = bobId, from = new { id = aliceId, name = "Alice" }, user = aliceId,
            body = new { kind = "text", text = "it is alice", from = aliceId },
        });

        var message = await bob.WaitForAsync(f => f.Type == "dm.message");
        Assert.Equal(malloryId, message.Json.GetProperty("from").GetProperty("id").GetString());
        Assert.Equal("Mallory", message.Json.GetProperty("from").GetProperty("name").GetString());
        var stored = await bob.AckedAsync(id => new { type = "history", id, conv = ConversationId.ForDm(bobId, malloryId) });
        Assert.All(stored.Json.GetProperty("messages").EnumerateArray(), m => Assert.Equal(malloryId, m.GetProperty("from").GetProperty("id").GetString()));
    }
}
