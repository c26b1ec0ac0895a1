using OrleansChat.Grains;
using OrleansChat.Model;
using OrleansChat.Protocol;
using OrleansChat.Tests.Infrastructure;

namespace OrleansChat.Tests.Conversations;

/// <summary>
/// Room read receipts on a real 2-silo cluster (Chat:ReceiptMaxMembers is <see cref="ClusterFixture.ReceiptAndPresenceMaxMembers"/>
/// there): aggregated counts below the cap, readers, private reads, durable cursors, and nothing above the cap.
/// </summary>
[Collection(SharedCluster.Name)]
public sealed class RoomReceiptTests(ClusterFixture fixture)
{
    private readonly IClusterClient _client = fixture.Client;

    private IUserGrain User(UserProfile user) => _client.GetGrain<IUserGrain>(user.Id);

    [Fact]
    public async Task Below_the_cap_reads_are_counted_per_recent_seq_without_the_sender_and_readers_are_listed()
    {
        await using var gateway = fixture.NewGateway();
        var (alice, bob, cy, dan) = (Names.User("alice"), Names.User("bob"), Names.User("cy"), Names.User("dan"));
        var room = Names.New("room");
        var conv = ConversationId.ForRoom(room);
        foreach (var user in new[] { alice, bob, cy, dan })
        {
            await gateway.Join(room, user);
        }

        await gateway.Room(room).Send(alice, null, new TextBody("one"));
        await gateway.Room(room).Send(alice, null, new TextBody("two"));

        await User(bob).MarkRead(conv, 2);
        await User(cy).MarkRead(conv, 1);
        await User(dan).MarkRead(conv, 2, privately: true); // moves dan's own read seq only

        var receipt = (await gateway.Recorder.WaitForFrames<ConvReceiptEvent>(
            room, where: r => r.Reads is { } reads && reads.Contains(new ReadCount(1, 2)) && reads.Contains(new ReadCount(2, 1))))[^1];
        Assert.Equal((conv, 4), (receipt.Conv, receipt.Members));
        Assert.Null(receipt.User);
        Assert.Equal([bob.Id, cy.Id], (await gateway.Room(room).GetReaders(alice.Id, 1)).Select(u => u.Id));
        Assert.Equal([bob], await gateway.Room(room).GetReaders(dan.Id, 2)); // with the profile

        await Eventually.TrueAsync(async () =>
        {
            var stored = await ClusterFixture.SharedReadCursors.LoadAsync(room);
            return stored.GetValueOrDefault(bob.Id) == 2 && stored.GetValueOrDefault(cy.Id) == 1 && !stored.ContainsKey(dan.Id);
        }, "the moved cursors were written to the store, the private read was not");
    }

    [Fact]
    public async Task Reads_in_quick_succession_are_coalesced_and_the_last_frame_counts_them_all()
    {
        await using var gateway = fixture.NewGateway();
        var (alice, bob, cy) = (Names.User("alice"), Names.User("bob"), Names.User("cy"));
        var room = Names.New("room");
        foreach (var user in new[] { alice, bob, cy })
        {
            await gateway.Join(room, user);
        }

        await gateway.Room(room).Send(alice, null, new TextBody("hello"));
        await gateway.Room(room).ReadUpTo(bob.Id, 1);
        await gateway.Room(room).ReadUpTo(cy.Id, 1); // within the second the first receipt opened: waits for the tick

        await gateway.Recorder.WaitForFrames<ConvReceiptEvent>(room, where: r => r.Reads!.Contains(new ReadCount(1, 2)));
        var receipts = gateway.Recorder.Frames<ConvReceiptEvent>(room);
        Assert.Equal(2, receipts.Count); // one at once, one for the rest of the window
        Assert.Equal([new ReadCount(1, 1)], receipts[0].Reads);
    }

    [Fact]
    public async Task Above_the_cap_no_cursor_is_kept_and_readers_are_refused()
    {
        await using var gateway = fixture.NewGateway();
        var users = Enumerable.Range(0, ClusterFixture.ReceiptAndPresenceMaxMembers + 1).Select(i => Names.User($"u{i}")).ToList();
        var room = Names.New("big");
        foreach (var user in users)
        {
            await gateway.Join(room, user);
        }

        await gateway.Room(room).Send(users[0], null, new TextBody("hello"));
        await gateway.Room(room).ReadUpTo(users[1].Id, 1);
        await gateway.Room(room).Send(users[0], null, new TextBody("after the read"));

        await gateway.Recorder.WaitForFrames<RoomMessageEvent>(room, where: m => m.Seq == 2);
        Assert.Empty(gateway.Recorder.Frames<ConvReceiptEvent>(room));
        Assert.Empty(await ClusterFixture.SharedReadCursors.LoadAsync(room));
        var refused = await Assert.ThrowsAsync<ChatException>(() => gateway.Room(room).GetReaders(users[0].Id, 1));
        Assert.Equal(ChatErrorCode.Forbidden, refused.Code);
    }

    [Fact]
    public async Task Readers_of_a_missing_message_or_asked_by_a_stranger_are_refused()
    {
        await using var gateway = fixture.NewGateway();
        var (alice, stranger) = (Names.User("alice"), Names.User("stranger"));
        var room = Names.New("room");
        await gateway.Join(room, alice);

        var missing = await Assert.ThrowsAsync<ChatException>(() => gateway.Room(room).GetReaders(alice.Id, 1));
        var foreign = await Assert.ThrowsAsync<ChatException>(() => gateway.Room(room).GetReaders(stranger.Id, 1));

        Assert.Equal((ChatErrorCode.NotFound, ChatErrorCode.Forbidden), (missing.Code, foreign.Code));
    }
}
