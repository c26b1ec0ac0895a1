using System.Text.Json;
using OrleansChat.Model;
using OrleansChat.Tests.Infrastructure;

namespace OrleansChat.Tests.EndToEnd;

/// <summary>The conversation list, read cursors and pending requests over real sockets.</summary>
[Collection(GatewayGroup.Name)]
public sealed class ConversationTests(GatewayFixture fixture)
{
    private readonly GatewayServer _server = fixture.Server;

    [Fact]
    public async Task Welcome_lists_conversations_with_unread_and_conv_read_reaches_the_other_device()
    {
        var (aliceId, bobId, room) = (GatewayServer.UniqueName("alice"), GatewayServer.UniqueName("bob"), GatewayServer.UniqueName("room"));
        var conv = ConversationId.ForRoom(room);
        await using (var first = await _server.ConnectAsync(aliceId, "Alice"))
        {
            await first.AckedAsync(id => new { type = "room.join", id, room });
        }

        await using var bob = await _server.ConnectAsync(bobId, "Bob");
        await bob.AckedAsync(id => new { type = "room.join", id, room });
        for (var i = 1; i <= 3; i++)
        {
            await bob.AckedAsync(id => new { type = "room.send", id, room, body = new { kind = "text", text = $"hello {i}" } });
        }

        await using var phone = await _server.ConnectAsync(aliceId, "Alice");
        var welcome = phone.Received.Single(f => f.Type == "welcome");
        Assert.Equal(3, welcome.Number("unread"));
        var entry = Assert.Single(welcome.Json.GetProperty("conversations").EnumerateArray());
        Assert.Equal((conv, "room", 3L, 0L), (entry.GetProperty("conv").GetString(), entry.GetProperty("kind").GetString(), entry.GetProperty("unread").GetInt64(), entry.GetProperty("readSeq").GetInt64()));
        Assert.Equal("hello 3", entry.GetProperty("last").GetProperty("text").GetString());
        Assert.Equal("text", entry.GetProperty("last").GetProperty("kind").GetString());

        await using var laptop = await _server.ConnectAsync(aliceId, "Alice");
        var read = await phone.AckedAsync(id => new { type = "conv.read", id, conv, seq = 2 });
        Assert.Equal(2, read.Number("seq"));
        var pushed = await laptop.WaitForAsync(f => f.Type == "conv.read");
        Assert.Equal((conv, 2L, 1L), (pushed.Str("conv"), pushed.Number("seq"), pushed.Number("unread")));

        var back = await laptop.AckedAsync(id => new { type = "conv.read", id, conv, seq = 1 });
        Assert.Equal(2, back.Number("seq")); // never backwards

        await laptop.AckedAsync(id => new { type = "conv.mute", id, conv });
        var settings = await phone.WaitForAsync(f => f.Type == "conv.settings");
        Assert.True(settings.Json.GetProperty("muted").GetBoolean());
        var list = await phone.AckedAsync(id => new { type = "conv.list", id, limit = 10 });
        Assert.Equal("conversations", list.Type);
        Assert.Equal(0, list.Number("unread")); // muted: out of the total
        Assert.Equal(1, list.Json.GetProperty("conversations")[0].GetProperty("unread").GetInt64());

        var notMine = await phone.RequestAsync(id => new { type = "conv.read", id, conv = "room:" + GatewayServer.UniqueName("other"), seq = 1 });
        Assert.Equal("not_found", notMine.Str("code"));
        var badCursor = await phone.RequestAsync(id => new { type = "conv.list", id, cursor = "nope" });
        Assert.Equal("bad_request", badCursor.Str("code"));
    }

    [Fact]
    public async Task A_request_to_an_offline_user_is_in_their_welcome_and_can_be_cancelled()
    {
        var (aliceId, bobId) = (GatewayServer.UniqueName("alice"), GatewayServer.UniqueName("bob"));
        await using var alice = await _server.ConnectAsync(aliceId, "Alice");
        await alice.AckedAsync(id => new { type = "dm.request", id, to = bobId });

        await using var bob = await _server.ConnectAsync(bobId, "Bob");
        var request = Assert.Single(bob.Received.Single(f => f.Type == "welcome").Json.GetProperty("requests").EnumerateArray());
        Assert.Equal((aliceId, true), (request.GetProperty("user").GetProperty("id").GetString(), request.GetProperty("incoming").GetBoolean()));

        var outgoing = await alice.AckedAsync(id => new { type = "dm.requests", id });
        Assert.Equal("dm.requests", outgoing.Type);
        Assert.False(Assert.Single(outgoing.Json.GetProperty("requests").EnumerateArray()).GetProperty("incoming").GetBoolean());

        await alice.AckedAsync(id => new { type = "dm.cancel", id, to = bobId });
        var cancelled = await bob.WaitForAsync(f => f.Type == "dm.cancelled");
        Assert.Equal(aliceId, cancelled.Json.GetProperty("by").GetProperty("id").GetString());
        var none = await bob.AckedAsync(id => new { type = "dm.requests", id });
        Assert.Equal(JsonValueKind.Array, none.Json.GetProperty("requests").ValueKind);
        Assert.Empty(none.Json.GetProperty("requests").EnumerateArray());
        var again = await alice.RequestAsync(id => new { type = "dm.cancel", id, to = bobId });
        Assert.Equal("conflict", again.Str("code"));
    }

    [Fact]
    public async Task Conv_notify_is_for_members_of_rooms_and_acked()
    {
        var (aliceId, bobId, room) = (GatewayServer.UniqueName("alice"), GatewayServer.UniqueName("bob"), GatewayServer.UniqueName("room"));
        await using var alice = await _server.ConnectAsync(aliceId, "Alice");
        await using var bob = await _server.ConnectAsync(bobId, "Bob");
        await alice.AckedAsync(id => new { type = "room.join", id, room });

        var on = await alice.AckedAsync(id => new { type = "conv.notify", id, conv = ConversationId.ForRoom(room) });
        Assert.Equal(ConversationId.ForRoom(room), on.Str("conv"));
        await alice.AckedAsync(id => new { type = "conv.notify", id, conv = ConversationId.ForRoom(room), on = false });
        var notMember = await bob.RequestAsync(id => new { type = "conv.notify", id, conv = ConversationId.ForRoom(room) });
        Assert.Equal("forbidden", notMember.Str("code"));
        var dm = await alice.RequestAsync(id => new { type = "conv.notify", id, conv = ConversationId.ForDm(aliceId, bobId) });
        Assert.Equal("bad_request", dm.Str("code"));
    }

    [Fact]
    public async Task Msg_recall_reaches_the_room_and_history_shows_the_placeholder()
    {
        var (aliceId, bobId, room) = (GatewayServer.UniqueName("alice"), GatewayServer.UniqueName("bob"), GatewayServer.UniqueName("room"));
        var conv = ConversationId.ForRoom(room);
        await using var alice = await _server.ConnectAsync(aliceId, "Alice");
        await using var bob = await _server.ConnectAsync(bobId, "Bob");
        await alice.AckedAsync(id => new { type = "room.join", id, room });
        await bob.AckedAsync(id => new { type = "room.join", id, room });
        var sent = await alice.AckedAsync(id => new { type = "room.send", id, room, body = new { kind = "text", text = "oops" } });

        var forged = await alice.RequestAsync(id => new { type = "room.send", id, room, body = new { kind = "recall", seq = 1 } });
        Assert.Equal("bad_request", forged.Str("code"));
        var notBobs = await bob.RequestAsync(id => new { type = "msg.recall", id, conv, seq = sent.Number("seq") });
        Assert.Equal("forbidden", notBobs.Str("code"));

        var recall = await alice.AckedAsync(id => new { type = "msg.recall", id, conv, seq = sent.Number("seq") });
        Assert.Equal(sent.Number("seq") + 1, recall.Number("seq"));
        var pushed = await bob.WaitForAsync(f => f.Type == "room.message" && f.Json.GetProperty("body").GetProperty("kind").GetString() == "recall");
        Assert.Equal(sent.Number("seq"), pushed.Json.GetProperty("body").GetProperty("seq").GetInt64());
        var history = await bob.AckedAsync(id => new { type = "history", id, conv });
        Assert.Equal(["recalled", "recall"], history.Json.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("body").GetProperty("kind").GetString()));
        var again = await alice.RequestAsync(id => new { type = "msg.recall", id, conv, seq = sent.Number("seq") });
        Assert.Equal("conflict", again.Str("code"));
    }

    [Fact]
    public async Task Typing_reaches_the_peer_and_a_blocked_user_is_refused()
    {
        var (aliceId, bobId) = (GatewayServer.UniqueName("alice"), GatewayServer.UniqueName("bob"));
        var conv = ConversationId.ForDm(aliceId, bobId);
        await using var alice = await _server.ConnectAsync(aliceId, "Alice");
        await using var bob = await _server.ConnectAsync(bobId, "Bob");
        await alice.AckedAsync(id => new { type = "dm.request", id, to = bobId });
        await bob.AckedAsync(id => new { type = "dm.accept", id, from = aliceId });
        await alice.WaitForAsync(f => f.Type == "dm.open");

        await alice.AckedAsync(id => new { type = "typing", id, conv });
        var typing = await bob.WaitForAsync(f => f.Type == "typing");
        Assert.Equal((aliceId, true, 6000L), (typing.Json.GetProperty("user").GetProperty("id").GetString(), typing.Json.GetProperty("on").GetBoolean(), typing.Number("expiresInMs")));

        await alice.AckedAsync(id => new { type = "user.block", id, user = bobId });
        var blocks = await alice.AckedAsync(id => new { type = "user.blocks", id });
        Assert.Equal([bobId], blocks.Json.GetProperty("users").EnumerateArray().Select(u => u.GetString()));
        await Eventually.TrueAsync(
            async () => (await bob.RequestAsync(id => new { type = "dm.send", id, to = aliceId, body = new { kind = "text", text = "hey" } })).Type == "error",
            "bob's sends are refused");
        await alice.AckedAsync(id => new { type = "dm.leave", id, with = bobId });
        var request = await bob.RequestAsync(id => new { type = "dm.request", id, to = aliceId });
        Assert.Equal("forbidden", request.Str("code"));
    }

    [Fact]
    public async Task History_leaves_out_what_the_user_deleted_for_themselves_only()
    {
        var (aliceId, bobId, room) = (GatewayServer.UniqueName("alice"), GatewayServer.UniqueName("bob"), GatewayServer.UniqueName("room"));
        var conv = ConversationId.ForRoom(room);
        await using var alice = await _server.ConnectAsync(aliceId, "Alice");
        await using var bob = await _server.ConnectAsync(bobId, "Bob");
        await alice.AckedAsync(id => new { type = "room.join", id, room });
        await bob.AckedAsync(id => new { type = "room.join", id, room });
        await bob.AckedAsync(id => new { type = "room.send", id, room, body = new { kind = "text", text = "one" } });
        await bob.AckedAsync(id => new { type = "room.send", id, room, body = new { kind = "text", text = "two" } });

        await alice.AckedAsync(id => new { type = "msg.delete", id, conv, seq = 1 });
        await alice.WaitForAsync(f => f.Type == "msg.deleted");

        var atAlice = await alice.AckedAsync(id => new { type = "history", id, conv });
        Assert.Equal([2L], atAlice.Json.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("seq").GetInt64()));
        var atBob = await bob.AckedAsync(id => new { type = "history", id, conv });
        Assert.Equal([1L, 2L], atBob.Json.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("seq").GetInt64()));
    }
}
