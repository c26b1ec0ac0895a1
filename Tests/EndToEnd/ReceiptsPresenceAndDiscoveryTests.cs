using System.Text.Json;
using OrleansChat.Model;
using OrleansChat.Tests.Infrastructure;

namespace OrleansChat.Tests.EndToEnd;

/// <summary>Room receipts and readers, room presence, <c>online</c> in <c>dm.open</c> and <c>room.list</c>, over real sockets.</summary>
[Collection(GatewayGroup.Name)]
public sealed class ReceiptsPresenceAndDiscoveryTests(GatewayFixture fixture)
{
    private readonly GatewayServer _server = fixture.Server;

    [Fact]
    public async Task A_room_read_reaches_the_sender_as_a_receipt_and_conv_readers_names_the_reader()
    {
        var (aliceId, bobId, room) = (GatewayServer.UniqueName("alice"), GatewayServer.UniqueName("bob"), GatewayServer.UniqueName("room"));
        var conv = ConversationId.ForRoom(room);
        await using var alice = await _server.ConnectAsync(aliceId, "Alice");
        await using var bob = await _server.ConnectAsync(bobId, "Bob");
        await alice.AckedAsync(id => new { type = "room.join", id, room });
        await bob.AckedAsync(id => new { type = "room.join", id, room });
        var sent = await alice.AckedAsync(id => new { type = "room.send", id, room, body = new { kind = "text", text = "read me" } });

        await bob.AckedAsync(id => new { type = "conv.read", id, conv, seq = sent.Number("seq") });

        var receipt = await alice.WaitForAsync(f => f.Type == "conv.receipt" && f.Str("conv") == conv
            && f.Json.GetProperty("reads").EnumerateArray().Any(r => r.GetProperty("seq").GetInt64() == sent.Number("seq") && r.GetProperty("count").GetInt32() == 1));
        Assert.Equal(2, receipt.Number("members"));
        var readers = await alice.RequestAsync(id => new { type = "conv.readers", id, conv, seq = sent.Number("seq") });
        Assert.Equal(("readers", conv), (readers.Type, readers.Str("conv")));
        var reader = Assert.Single(readers.Json.GetProperty("readers").EnumerateArray());
        Assert.Equal((bobId, "Bob"), (reader.GetProperty("id").GetString(), reader.GetProperty("name").GetString()));
        var dm = await alice.RequestAsync(id => new { type = "conv.readers", id, conv = ConversationId.ForDm(aliceId, bobId), seq = 1 });
        Assert.Equal("bad_request", dm.Str("code"));
    }

    [Fact]
    public async Task Room_presence_tells_members_who_went_offline_and_dm_open_says_whether_the_peer_is_online()
    {
        var (aliceId, bobId, room) = (GatewayServer.UniqueName("alice"), GatewayServer.UniqueName("bob"), GatewayServer.UniqueName("room"));
        await using var alice = await _server.ConnectAsync(aliceId, "Alice");
        await alice.AckedAsync(id => new { type = "room.join", id, room });
        await alice.AckedAsync(id => new { type = "dm.request", id, to = bobId });
        await using (var bob = await _server.ConnectAsync(bobId, "Bob"))
        {
            await bob.AckedAsync(id => new { type = "room.join", id, room });
            await alice.WaitForAsync(f => f.Type == "room.presence" && Ids(f, "online").Contains(bobId));
            await bob.AckedAsync(id => new { type = "dm.accept", id, from = aliceId });
            var opened = await bob.WaitForAsync(f => f.Type == "dm.open");
            Assert.True(opened.Json.GetProperty("online").GetBoolean()); // alice is connected
            var aliceSide = await alice.WaitForAsync(f => f.Type == "dm.open");
            Assert.True(aliceSide.Json.GetProperty("online").GetBoolean());
        }

        var gone = await alice.WaitForAsync(f => f.Type == "room.presence" && Ids(f, "offline").Contains(bobId));
        Assert.Equal((room, ConversationId.ForRoom(room)), (gone.Str("room"), gone.Str("conv")));
    }

    [Fact]
    public async Task Room_list_pages_public_rooms_by_prefix_with_member_counts()
    {
        var prefix = GatewayServer.UniqueName("dir").Replace("-", "", StringComparison.Ordinal);
        await using var alice = await _server.ConnectAsync(GatewayServer.UniqueName("alice"), "Alice");
        foreach (var name in new[] { "b", "a", "c" })
        {
            await alice.AckedAsync(id => new { type = "room.create", id, room = prefix + name });
        }

        await alice.AckedAsync(id => new { type = "room.create", id, room = prefix + "p", visibility = "private" });

        Frame first = null!;
        await Eventually.TrueAsync(async () =>
        {
            first = await alice.AckedAsync(id => new { type = "room.list", id, prefix, limit = 2 });
            return first.Json.GetProperty("rooms").GetArrayLength() == 2;
        }, "the rooms are listed");
        var second = await alice.AckedAsync(id => new { type = "room.list", id, prefix, cursor = first.Str("next"), limit = 2 });

        Assert.Equal("rooms", first.Type);
        Assert.Equal([prefix + "a", prefix + "b"], first.Json.GetProperty("rooms").EnumerateArray().Select(r => r.GetProperty("id").GetString()));
        Assert.Equal(1, first.Json.GetProperty("rooms")[0].GetProperty("members").GetInt32());
        Assert.Equal([prefix + "c"], second.Json.GetProperty("rooms").EnumerateArray().Select(r => r.GetProperty("name").GetString()));
        Assert.False(second.Has("next"));
        var bad = await alice.RequestAsync(id => new { type = "room.list", id, prefix = "no spaces" });
        Assert.Equal("bad_request", bad.Str("code"));
    }

    private static string?[] Ids(Frame frame, string list) =>
        [.. frame.Json.GetProperty(list).EnumerateArray().Select(e => e.GetString())];
}
