using OrleansChat.Tests.Infrastructure;

namespace OrleansChat.Tests.EndToEnd;

[Collection(GatewayGroup.Name)]
public sealed class RoomChatTests(GatewayFixture fixture)
{
    private readonly GatewayServer _server = fixture.Server;

    [Fact]
    public async Task Two_users_chat_in_a_room_with_server_set_identity_and_sequence()
    {
        var room = GatewayServer.UniqueName("room");
        await using var alice = await _server.ConnectAsync(GatewayServer.UniqueName("alice"), "Alice");
        await using var bob = await _server.ConnectAsync(GatewayServer.UniqueName("bob"), "Bob");
        await alice.AckedAsync(id => new { type = "room.join", id, room });
        await bob.AckedAsync(id => new { type = "room.join", id, room });

        var first = await alice.AckedAsync(id => new { type = "room.send", id, room, body = new { kind = "text", text = "hello" } });
        var second = await bob.AckedAsync(id => new { type = "room.send", id, room, body = new { kind = "image", url = "https://img.example/x.png", width = 10, height = 20 } });

        Assert.Equal("ack", first.Type);
        Assert.Equal($"room:{room}", first.Str("conv"));
        Assert.Equal(1, first.Number("seq"));
        Assert.Equal(2, second.Number("seq"));
        Assert.True(second.Number("ts") >= first.Number("ts"));

        var atBob = await bob.WaitForAsync(f => f.Type == "room.message" && f.Number("seq") == 1);
        Assert.Equal("Alice", atBob.Json.GetProperty("from").GetProperty("name").GetString());
        Assert.Equal("hello", atBob.Json.GetProperty("body").GetProperty("text").GetString());
        var atAlice = await alice.WaitForAsync(f => f.Type == "room.message" && f.Number("seq") == 2);
        Assert.Equal("image", atAlice.Json.GetProperty("body").GetProperty("kind").GetString());
        Assert.Equal(20, atAlice.Json.GetProperty("body").GetProperty("height").GetInt32());
    }

    [Fact]
    public async Task A_burst_of_messages_arrives_complete_and_in_order()
    {
        // Frames that queue up for one socket are written in batches: none may be lost, split or reordered.
        var room = GatewayServer.UniqueName("room");
        await using var alice = await _server.ConnectAsync(GatewayServer.UniqueName("alice"), "Alice");
        await using var bob = await _server.ConnectAsync(GatewayServer.UniqueName("bob"), "Bob");
        await alice.AckedAsync(id => new { type = "room.join", id, room });
        await bob.AckedAsync(id => new { type = "room.join", id, room });

        const int count = 200;
        await Task.WhenAll(Enumerable.Range(1, count).Select(i =>
            alice.SendAsync(new { type = "room.send", id = alice.NextId(), room, body = new { kind = "text", text = $"m{i}" } })));

        await bob.WaitForAsync(f => f.Type == "room.message" && f.Number("seq") == count);
        var seqs = bob.Received.Where(f => f.Type == "room.message").Select(f => f.Number("seq")).ToList();
        Assert.Equal(Enumerable.Range(1, count).Select(i => (long)i), seqs);
    }

    [Fact]
    public async Task A_client_cannot_impersonate_another_sender()
    {
        var room = GatewayServer.UniqueName("room");
        var aliceId = GatewayServer.UniqueName("alice");
        await using var alice = await _server.ConnectAsync(aliceId, "Alice");
        await using var mallory = await _server.ConnectAsync(GatewayServer.UniqueName("mallory"), "Mallory");
        await alice.AckedAsync(id => new { type = "room.join", id, room });
        await mallory.AckedAsync(id => new { type = "room.join", id, room });

        await mallory.AckedAsync(id => new { type = "room.send", id, room, from = new { id = aliceId, name = "Alice" }, body = new { kind = "text", text = "it is me" } });

        var message = await alice.WaitForAsync(f => f.Type == "room.message");
        Assert.Equal("Mallory", message.Json.GetProperty("from").GetProperty("name").GetString());
        Assert.NotEqual(aliceId, message.Json.GetProperty("from").GetProperty("id").GetString());
    }

    [Fact]
    public async Task Join_and_leave_are_announced_and_members_show_who_is_online()
    {
        var room = GatewayServer.UniqueName("room");
        var bobId = GatewayServer.UniqueName("bob");
        await using var alice = await _server.ConnectAsync(GatewayServer.UniqueName("alice"), "Alice");
        await alice.AckedAsync(id => new { type = "room.join", id, room });
        await using (var bob = await _server.ConnectAsync(bobId, "Bob"))
        {
            await bob.AckedAsync(id => new { type = "room.join", id, room });
            var joined = await alice.WaitForAsync(f => f.Type == "room.joined" && f.Json.GetProperty("user").GetProperty("id").GetString() == bobId);
            Assert.Equal(room, joined.Str("room"));

            var members = await alice.AckedAsync(id => new { type = "room.members", id, room });
            Assert.Equal("members", members.Type);
            var online = members.Json.GetProperty("members").EnumerateArray()
                .ToDictionary(m => m.GetProperty("user").GetProperty("id").GetString()!, m => m.GetProperty("online").GetBoolean());
            Assert.Equal(2, online.Count);
            Assert.True(online[bobId]);
        }

        // Bob is still a member after disconnecting, just offline.
        await Eventually.TrueAsync(async () =>
        {
            var members = await alice.AckedAsync(id => new { type = "room.members", id, room });
            return members.Json.GetProperty("members").EnumerateArray()
                .Any(m => m.GetProperty("user").GetProperty("id").GetString() == bobId && !m.GetProperty("online").GetBoolean());
        }, "bob shows offline");

        await using var bobAgain = await _server.ConnectAsync(bobId, "Bob");
        var welcome = bobAgain.Received.Single(f => f.Type == "welcome");
        Assert.Contains(room, welcome.Json.GetProperty("rooms").EnumerateArray().Select(r => r.GetString()));
        await bobAgain.AckedAsync(id => new { type = "room.leave", id, room });
        await alice.WaitForAsync(f => f.Type == "room.left" && f.Json.GetProperty("user").GetProperty("id").GetString() == bobId);
        var notMember = await bobAgain.RequestAsync(id => new { type = "room.send", id, room, body = new { kind = "text", text = "x" } });
        Assert.Equal("forbidden", notMember.Str("code"));
    }

    [Fact]
    public async Task A_resent_message_is_acknowledged_with_the_same_seq_and_delivered_once()
    {
        var room = GatewayServer.UniqueName("room");
        await using var alice = await _server.ConnectAsync(GatewayServer.UniqueName("alice"));
        await using var bob = await _server.ConnectAsync(GatewayServer.UniqueName("bob"));
        await alice.AckedAsync(id => new { type = "room.join", id, room });
        await bob.AckedAsync(id => new { type = "room.join", id, room });

        var send = new { type = "room.send", id = "resend-1", room, body = new { kind = "text", text = "once" } };
        await alice.SendAsync(send);
        var firstAck = await alice.WaitForAsync(f => f.Re == "resend-1");
        await alice.SendAsync(send);
        await Eventually.TrueAsync(() => alice.Count(f => f.Re == "resend-1") == 2, "the resend is acknowledged");
        var acks = alice.Received.Where(f => f.Re == "resend-1").ToList();
        Assert.All(acks, a => Assert.Equal(firstAck.Number("seq"), a.Number("seq")));

        // A later message proves the duplicate would have arrived by now.
        await alice.AckedAsync(id => new { type = "room.send", id, room, body = new { kind = "text", text = "after" } });
        await bob.WaitForAsync(f => f.Type == "room.message" && f.Number("seq") == 2);
        Assert.Equal(1, bob.Count(f => f.Type == "room.message" && f.Number("seq") == 1));
        Assert.Equal(2, bob.Count(f => f.Type == "room.message"));
    }

    [Fact]
    public async Task History_pages_backwards_through_the_room()
    {
        var room = GatewayServer.UniqueName("room");
        await using var alice = await _server.ConnectAsync(GatewayServer.UniqueName("alice"));
        await alice.AckedAsync(id => new { type = "room.join", id, room });
        for (var i = 1; i <= 25; i++)
        {
            await alice.AckedAsync(id => new { type = "room.send", id, room, body = new { kind = "text", text = $"m{i}" } });
        }

        var newest = await alice.AckedAsync(id => new { type = "history", id, conv = $"room:{room}", limit = 10 });
        Assert.Equal("history", newest.Type);
        Assert.Equal(Enumerable.Range(16, 10), Seqs(newest));
        Assert.True(newest.Json.GetProperty("more").GetBoolean());

        var older = await alice.AckedAsync(id => new { type = "history", id, conv = $"room:{room}", before = 16, limit = 10 });
        Assert.Equal(Enumerable.Range(6, 10), Seqs(older));
        var oldest = await alice.AckedAsync(id => new { type = "history", id, conv = $"room:{room}", before = 6, limit = 10 });
        Assert.Equal(Enumerable.Range(1, 5), Seqs(oldest));
        Assert.False(oldest.Json.GetProperty("more").GetBoolean());

        await using var outsider = await _server.ConnectAsync(GatewayServer.UniqueName("eve"));
        var refused = await outsider.RequestAsync(id => new { type = "history", id, conv = $"room:{room}" });
        Assert.Equal("forbidden", refused.Str("code"));
    }

    [Fact]
    public async Task Sync_after_a_reconnect_returns_exactly_the_missed_messages()
    {
        var room = GatewayServer.UniqueName("room");
        var bobId = GatewayServer.UniqueName("bob");
        await using var alice = await _server.ConnectAsync(GatewayServer.UniqueName("alice"));
        await alice.AckedAsync(id => new { type = "room.join", id, room });
        long lastSeen;
        await using (var bob = await _server.ConnectAsync(bobId))
        {
            await bob.AckedAsync(id => new { type = "room.join", id, room });
            await alice.AckedAsync(id => new { type = "room.send", id, room, body = new { kind = "text", text = "seen" } });
            lastSeen = (await bob.WaitForAsync(f => f.Type == "room.message")).Number("seq");
            bob.Abort();
        }

        for (var i = 0; i < 7; i++)
        {
            await alice.AckedAsync(id => new { type = "room.send", id, room, body = new { kind = "text", text = $"missed {i}" } });
        }

        await using var bobAgain = await _server.ConnectAsync(bobId);
        var sync = await bobAgain.AckedAsync(id => new { type = "sync", id, cursors = new Dictionary<string, long> { [$"room:{room}"] = lastSeen } });
        var conversation = Assert.Single(sync.Json.GetProperty("conversations").EnumerateArray());
        Assert.Equal($"room:{room}", conversation.GetProperty("conv").GetString());
        Assert.Equal(Enumerable.Range((int)lastSeen + 1, 7), conversation.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("seq").GetInt32()));
        Assert.False(conversation.GetProperty("more").GetBoolean());
    }

    [Fact]
    public async Task Sync_pages_long_gaps_and_reports_unreadable_conversations()
    {
        var room = GatewayServer.UniqueName("room");
        await using var alice = await _server.ConnectAsync(GatewayServer.UniqueName("alice"));
        await alice.AckedAsync(id => new { type = "room.join", id, room });
        for (var i = 0; i < 105; i++)
        {
            await alice.SendAsync(new { type = "room.send", id = $"bulk{i}", room, body = new { kind = "text", text = $"{i}" } });
        }

        await alice.WaitForAsync(f => f.Re == "bulk104");
        var sync = await alice.AckedAsync(id => new
        {
            type = "sync",
            id,
            cursors = new Dictionary<string, long> { [$"room:{room}"] = 0, [$"room:{GatewayServer.UniqueName("other")}"] = 0 },
        });
        var byConv = sync.Json.GetProperty("conversations").EnumerateArray().ToDictionary(c => c.GetProperty("conv").GetString()!);
        Assert.Equal(100, byConv[$"room:{room}"].GetProperty("messages").GetArrayLength());
        Assert.True(byConv[$"room:{room}"].GetProperty("more").GetBoolean());
        Assert.Equal("forbidden", byConv.Single(kv => kv.Key != $"room:{room}").Value.GetProperty("error").GetString());
    }

    private static List<int> Seqs(Frame page) =>
        page.Json.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("seq").GetInt32()).ToList();

    [Fact]
    public async Task A_reader_that_falls_behind_and_catches_up_gets_every_message_in_order()
    {
        // Frames go out inline while a socket is idle and through its queue while it is backed up; the switch
        // between the two must neither lose nor reorder anything. ~4.7 MB overfills the loopback TCP buffers and
        // Kestrel's output pipe of the reader, which reads nothing until all are sent.
        var room = GatewayServer.UniqueName("room");
        await using var sender = await _server.ConnectAsync(GatewayServer.UniqueName("sender"));
        var readerToken = await _server.LoginAsync(GatewayServer.UniqueName("reader"));
        await using var reader = await ChatClient.ConnectAsync(_server.WebSocketUri(readerToken), receive: false);
        await sender.AckedAsync(id => new { type = "room.join", id, room });
        await reader.SendAsync(new { type = "room.join", id = "j", room });
        await sender.WaitForMemberCountAsync(room, 2); // the reader has joined

        const int Messages = 400;
        var text = new string('中', 3900);
        for (var i = 0; i < Messages; i++)
        {
            await sender.AckedAsync(id => new { type = "room.send", id, room, body = new { kind = "text", text } });
        }

        reader.StartReceiving();
        await reader.WaitForAsync(f => f.Type == "room.message" && f.Number("seq") == Messages, TimeSpan.FromSeconds(30));
        Assert.Equal(Enumerable.Range(1, Messages).Select(i => (long)i), reader.Received.Where(f => f.Type == "room.message").Select(f => f.Number("seq")));
    }

    [Fact]
    public async Task The_join_ack_says_which_messages_are_history_and_every_later_one_arrives_live()
    {
        var room = GatewayServer.UniqueName("room");
        await using var alice = await _server.ConnectAsync(GatewayServer.UniqueName("alice"));
        await using var bob = await _server.ConnectAsync(GatewayServer.UniqueName("bob"));
        Assert.Equal(0, (await alice.AckedAsync(id => new { type = "room.join", id, room })).Number("seq"));
        await alice.AckedAsync(id => new { type = "room.send", id, room, body = new { kind = "text", text = "before bob" } });
        await alice.AckedAsync(id => new { type = "room.send", id, room, body = new { kind = "text", text = "still before" } });

        // Alice keeps sending while Bob joins: whatever his ack calls history, everything after it reaches him live.
        var sending = Task.Run(async () =>
        {
            for (var i = 0; i < 20; i++)
            {
                await alice.AckedAsync(id => new { type = "room.send", id, room, body = new { kind = "text", text = $"during {i}" } });
            }
        });
        var joined = await bob.AckedAsync(id => new { type = "room.join", id, room });
        await sending;

        var lastBefore = joined.Number("seq");
        Assert.InRange(lastBefore, 2, 22);
        await bob.WaitForAsync(f => f.Type == "room.message" && f.Number("seq") == 22);
        // (Bob's socket is in the room's local index before his join: a few earlier ones may arrive live too.)
        var live = bob.Received.Where(f => f.Type == "room.message").Select(f => f.Number("seq")).ToHashSet();
        Assert.All(Enumerable.Range((int)lastBefore + 1, 22 - (int)lastBefore), seq => Assert.Contains(seq, live));
        Assert.Equal(22, (await bob.AckedAsync(id => new { type = "room.join", id, room })).Number("seq")); // a repeated join says the same
    }
}
