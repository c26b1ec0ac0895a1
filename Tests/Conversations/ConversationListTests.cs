using OrleansChat.Grains;
using OrleansChat.Model;
using OrleansChat.Protocol;
using OrleansChat.Tests.Infrastructure;

namespace OrleansChat.Tests.Conversations;

[Collection(SharedCluster.Name)]
public sealed class ConversationListTests(ClusterFixture fixture)
{
    private readonly IClusterClient _client = fixture.Client;

    private IGroupRoomGrain Room(string name) => _client.GetGrain<IGroupRoomGrain>(name);

    private IUserGrain User(UserProfile user) => _client.GetGrain<IUserGrain>(user.Id);

    private static TextBody Text(string text) => new(text);

    [Fact]
    public async Task List_puts_the_newest_activity_first_with_previews_and_unread()
    {
        await using var gateway = fixture.NewGateway();
        var (alice, bob) = (Names.User("alice"), Names.User("bob"));
        var (quiet, busy, empty) = (Names.New("quiet"), Names.New("busy"), Names.New("empty"));
        foreach (var room in new[] { quiet, busy, empty })
        {
            await gateway.Join(room, alice);
        }

        await gateway.Join(quiet, bob);
        await gateway.Join(busy, bob);
        await Room(quiet).Send(bob, null, Text("first"));
        await Task.Delay(5); // two messages in one millisecond would tie on activity
        var longText = new string('x', 59) + "\U0001F600" + new string('y', 20); // an emoji across the 60th unit
        await Room(busy).Send(bob, null, Text(longText));
        await Room(busy).Send(bob, null, new ImageBody("https://cdn.example/a.png"));

        var page = await User(alice).ListConversations(null, null);

        Assert.Equal([ConversationId.ForRoom(busy), ConversationId.ForRoom(quiet), ConversationId.ForRoom(empty)], page.Conversations.Select(c => c.Conv));
        var top = page.Conversations[0];
        Assert.Equal((ConversationKind.Room, busy, 2L, 0L, 2L), (top.Kind, top.Title, top.LastSeq, top.ReadSeq, top.Unread));
        Assert.Equal(("image", (string?)null, bob.Id, 2L), (top.Last!.Kind, top.Last.Text, top.Last.From.Id, top.Last.Seq));
        Assert.Null(page.Conversations[2].Last);
        Assert.Equal(3, page.Unread);
        Assert.Null(page.Next);

        var busyRead = await User(alice).MarkRead(ConversationId.ForRoom(busy), 1);
        Assert.Equal((1L, 1L), (busyRead.Seq, busyRead.Unread));
        var preview = (await Room(busy).GetSummary(alice.Id, 0)).Last!;
        Assert.Equal(2L, preview.Seq);
        var firstOfBusy = (await Room(busy).ReadBefore(alice.Id, 2, 1)).Messages.Single();
        Assert.Equal(new string('x', 59), MessagePreview.Of(firstOfBusy).Text); // never half an emoji
    }

    [Fact]
    public async Task Own_messages_are_never_unread_and_sending_moves_the_senders_read_seq()
    {
        await using var gateway = fixture.NewGateway();
        var (alice, bob) = (Names.User("alice"), Names.User("bob"));
        var room = Names.New("room");
        await gateway.Join(room, alice);
        await gateway.Join(room, bob);
        var conv = ConversationId.ForRoom(room);

        await Room(room).Send(bob, null, Text("b1"));
        await Room(room).Send(bob, null, Text("b2"));
        await Room(room).Send(alice, null, Text("a1")); // answering reads what came before
        await Room(room).Send(bob, null, Text("b3"));

        var atAlice = await EntryOf(alice, conv);
        var atBob = await EntryOf(bob, conv);
        Assert.Equal((3L, 1L), (atAlice.ReadSeq, atAlice.Unread));
        Assert.Equal((4L, 0L), (atBob.ReadSeq, atBob.Unread));

        // The move is also written to the sender's own user grain (coalesced): a read below it changes nothing.
        await Eventually.TrueAsync(async () => (await User(alice).MarkRead(conv, 0)).Seq == 3, "alice's send moved her stored read seq");
    }

    [Fact]
    public async Task Read_seq_moves_forward_only_never_past_the_last_seq_and_reaches_every_device()
    {
        await using var gateway = fixture.NewGateway();
        var (alice, bob) = (Names.User("alice"), Names.User("bob"));
        var room = Names.New("room");
        await gateway.Connect(alice, "phone");
        await gateway.Connect(alice, "laptop");
        await gateway.Join(room, alice);
        await gateway.Join(room, bob);
        var conv = ConversationId.ForRoom(room);
        for (var i = 0; i < 20; i++)
        {
            await Room(room).Send(bob, null, Text($"m{i}"));
        }

        // Devices racing: every read lands, in any order, and the highest wins.
        var reads = await Task.WhenAll(Enumerable.Range(0, 40).Select(i => User(alice).MarkRead(conv, 5 + (i % 12)))); // 5..16
        Assert.Equal(16L, (await EntryOf(alice, conv)).ReadSeq);
        Assert.All(reads, r => Assert.Equal(20 - r.Seq, r.Unread));

        var back = await User(alice).MarkRead(conv, 3);
        Assert.Equal((16L, 4L), (back.Seq, back.Unread));
        var beyond = await User(alice).MarkRead(conv, 1_000);
        Assert.Equal((20L, 0L), (beyond.Seq, beyond.Unread));

        var pushed = await gateway.Recorder.WaitForFrames<ConvReadEvent>(alice.Id, where: e => e.Seq == 20);
        Assert.Equal(conv, pushed[0].Conv);
        Assert.DoesNotContain(gateway.Recorder.Frames<ConvReadEvent>(alice.Id), e => e.Seq < 5); // the step back to 3 was not a move

        await Assert.ThrowsAsync<ChatException>(() => User(bob).MarkRead(ConversationId.ForRoom(Names.New("elsewhere")), 1));
    }

    [Fact]
    public async Task Muted_conversations_stay_out_of_the_total_and_pinned_ones_come_first()
    {
        await using var gateway = fixture.NewGateway();
        var (alice, bob) = (Names.User("alice"), Names.User("bob"));
        var (old, noisy) = (Names.New("old"), Names.New("noisy"));
        await gateway.Connect(alice, "phone");
        foreach (var room in new[] { old, noisy })
        {
            await gateway.Join(room, alice);
            await gateway.Join(room, bob);
        }

        await Room(old).Send(bob, null, Text("old news"));
        await Task.Delay(5);
        await Room(noisy).Send(bob, null, Text("n1"));
        await Room(noisy).Send(bob, null, Text("n2"));

        Assert.Equal(3, (await User(alice).ListConversations(null, null)).Unread);
        var muted = await User(alice).SetFlags(ConversationId.ForRoom(noisy), pinned: null, muted: true);
        Assert.Equal((false, true), (muted.Pinned, muted.Muted));
        await User(alice).SetFlags(ConversationId.ForRoom(old), pinned: true, muted: null);

        var page = await User(alice).ListConversations(null, null);
        Assert.Equal(1, page.Unread);
        Assert.Equal([ConversationId.ForRoom(old), ConversationId.ForRoom(noisy)], page.Conversations.Select(c => c.Conv));
        Assert.Equal(2, page.Conversations[1].Unread); // a muted conversation still counts its own
        await gateway.Recorder.WaitForFrames<ConvSettingsEvent>(alice.Id, where: e => e.Pinned && e.Conv == ConversationId.ForRoom(old));
    }

    [Fact]
    public async Task History_before_a_join_is_not_unread_and_leaving_drops_the_conversation()
    {
        await using var gateway = fixture.NewGateway();
        var (alice, bob) = (Names.User("alice"), Names.User("bob"));
        var room = Names.New("room");
        await gateway.Join(room, bob);
        await Room(room).Send(bob, null, Text("before alice"));
        await gateway.Join(room, alice);
        await Room(room).Send(bob, null, Text("after alice"));

        var entry = await EntryOf(alice, ConversationId.ForRoom(room));
        Assert.Equal((1L, 1L, "after alice"), (entry.ReadSeq, entry.Unread, entry.Last!.Text));

        await Room(room).Leave(alice.Id);
        Assert.Empty((await User(alice).ListConversations(null, null)).Conversations);
    }

    [Fact]
    public async Task Pages_walk_every_conversation_once()
    {
        await using var gateway = fixture.NewGateway();
        var alice = Names.User("alice");
        var rooms = Enumerable.Range(0, 5).Select(i => Names.New($"r{i}")).ToList();
        foreach (var room in rooms)
        {
            await gateway.Join(room, alice);
            await Room(room).Send(alice, null, Text(room));
        }

        await User(alice).SetFlags(ConversationId.ForRoom(rooms[0]), pinned: true, muted: null);
        var seen = new List<string>();
        string? cursor = null;
        do
        {
            var page = await User(alice).ListConversations(cursor, 2);
            Assert.InRange(page.Conversations.Count, 1, 2);
            seen.AddRange(page.Conversations.Select(c => c.Conv));
            cursor = page.Next;
        }
        while (cursor is not null);

        Assert.Equal(ConversationId.ForRoom(rooms[0]), seen[0]);
        Assert.Equal(rooms.Select(ConversationId.ForRoom).Order(), seen.Order());
        await Assert.ThrowsAsync<ChatException>(() => User(alice).ListConversations("not a cursor", 2));
    }

    [Fact]
    public async Task Private_chats_are_listed_with_the_peer_online_and_their_unread()
    {
        await using var gateway = fixture.NewGateway();
        var (alice, bob) = (Names.User("alice"), Names.User("bob"));
        var dm = _client.GetGrain<IPrivateChatGrain>(ConversationId.DmKey(alice.Id, bob.Id));
        await gateway.Connect(bob, "bob-phone");
        await dm.Request(alice);
        await dm.Accept(bob);
        await dm.Send(bob, null, Text("hello alice"));

        var page = (await gateway.Connect(alice, "alice-phone")).Conversations!;
        var entry = Assert.Single(page.Conversations);
        Assert.Equal((ConversationKind.Dm, bob.Name, bob, true, 1L), (entry.Kind, entry.Title, entry.Peer, entry.Online, entry.Unread));
        Assert.Equal("hello alice", entry.Last!.Text);
        Assert.Equal(1, page.Unread);

        await gateway.Disconnect(bob.Id, "bob-phone");
        await Eventually.TrueAsync(
            async () => (await User(alice).ListConversations(null, null)).Conversations.Single().Online == false, "bob shown offline");
    }

    private async Task<ConversationEntry> EntryOf(UserProfile user, string conv) =>
        (await User(user).ListConversations(null, null)).Conversations.Single(c => c.Conv == conv);
}
