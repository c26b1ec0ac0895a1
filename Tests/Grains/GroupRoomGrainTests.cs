using OrleansChat.Grains;
using OrleansChat.Model;
using OrleansChat.Protocol;
using OrleansChat.Tests.Infrastructure;

namespace OrleansChat.Tests.Grains;

[Collection(SharedCluster.Name)]
public sealed class GroupRoomGrainTests(ClusterFixture fixture)
{
    private readonly IClusterClient _client = fixture.Client;

    private IGroupRoomGrain Room(string name) => _client.GetGrain<IGroupRoomGrain>(name);

    [Fact]
    public async Task Concurrent_sends_get_gap_free_monotonic_seqs_each_delivered_once()
    {
        await using var gateway = fixture.NewGateway();
        var room = Names.New("room");
        var senders = Enumerable.Range(0, 8).Select(_ => Names.User()).ToList();
        foreach (var sender in senders)
        {
            await gateway.Join(room, sender);
        }

        const int PerSender = 25;
        var receipts = await Task.WhenAll(senders.SelectMany(s => Enumerable.Range(0, PerSender)
            .Select(i => Room(room).Send(s, $"m{i}", new TextBody($"{s.Id} {i}")))));

        var total = senders.Count * PerSender;
        Assert.Equal(Enumerable.Range(1, total).Select(i => (long)i), receipts.Select(r => r.Seq).Order());
        Assert.All(receipts, r => Assert.False(r.Duplicate));

        var delivered = await gateway.Recorder.WaitForFrames<RoomMessageEvent>(room, total);
        // One-way calls to a client-side observer may run concurrently, so arrival order is not seq order:
        // every seq arrives exactly once, and clients order by seq.
        Assert.Equal(Enumerable.Range(1, total).Select(i => (long)i), delivered.Select(m => m.Seq).Order());

        // Every send was delivered exactly once.
        foreach (var sender in senders)
        {
            var mine = delivered.Where(m => m.From.Id == sender.Id).Select(m => m.Id).Order(StringComparer.Ordinal);
            Assert.Equal(Enumerable.Range(0, PerSender).Select(i => $"m{i}").Order(StringComparer.Ordinal), mine);
        }
    }

    [Fact]
    public async Task Join_and_leave_are_announced_and_joining_twice_only_attaches()
    {
        await using var gateway = fixture.NewGateway();
        var room = Names.New("room");
        var (alice, bob) = (Names.User("alice"), Names.User("bob"));

        await gateway.Join(room, alice);
        // The notices are one-way calls: two in flight at once may be recorded in either order (seen once in about
        // forty suite runs), so alice's is in before bob joins, and the order asserted below is the joins' own.
        await gateway.Recorder.WaitForFrames<RoomJoinedEvent>(room, 1);
        await gateway.Join(room, bob);
        await gateway.Join(room, bob);
        await gateway.Recorder.WaitForFrames<RoomJoinedEvent>(room, 2);

        await Room(room).Leave(bob.Id);
        var left = await gateway.Recorder.WaitForFrames<RoomLeftEvent>(room);
        Assert.Equal(bob, Assert.Single(left).User);

        var joined = gateway.Recorder.Frames<RoomJoinedEvent>(room);
        Assert.Equal([alice.Id, bob.Id], joined.Select(e => e.User.Id));
        Assert.Equal([room], (await _client.GetGrain<IUserGrain>(alice.Id).Connect(alice, gateway.Ref, "c1")).Rooms);
        Assert.Empty((await _client.GetGrain<IUserGrain>(bob.Id).Connect(bob, gateway.Ref, "c2")).Rooms);

        var members = await Room(room).GetMembers(alice.Id);
        Assert.Equal([alice.Id], members.Select(m => m.User.Id));

        var again = await Assert.ThrowsAsync<ChatException>(() => Room(room).Leave(bob.Id));
        Assert.Equal(ChatErrorCode.NotFound, again.Code);
    }

    [Fact]
    public async Task Joining_tells_the_users_gateways_so_other_devices_index_the_room()
    {
        await using var phone = fixture.NewGateway();
        await using var laptop = fixture.NewGateway();
        var room = Names.New("room");
        var alice = Names.User("alice");
        await phone.Connect(alice);
        await laptop.Connect(alice);

        await phone.Join(room, alice);

        await laptop.Recorder.WaitUntil(calls => calls.Any(c => c is { Method: "RoomMembershipChanged", Joined: true } && c.Room == room));
        await Room(room).Leave(alice.Id);
        await laptop.Recorder.WaitUntil(calls => calls.Any(c => c is { Method: "RoomMembershipChanged", Joined: false } && c.Room == room));
    }

    [Fact]
    public async Task Non_members_are_forbidden_to_send_list_members_or_read_history()
    {
        await using var gateway = fixture.NewGateway();
        var room = Names.New("room");
        var (member, stranger) = (Names.User(), Names.User());
        await gateway.Join(room, member);

        await AssertForbidden(() => Room(room).Send(stranger, "x", new TextBody("hi")));
        await AssertForbidden(() => Room(room).GetMembers(stranger.Id));
        await AssertForbidden(() => Room(room).ReadBefore(stranger.Id, null, 10));
        await AssertForbidden(() => Room(room).ReadAfter(stranger.Id, 0, 10));

        // Attach and renew of a non-member are ignored.
        await using var other = fixture.NewGateway(renew: false);
        await Room(room).Attach(other.Ref, stranger.Id);
        await Room(room).Renew(other.Ref, [stranger.Id]);
        Assert.Equal(1, await Room(room).GetSubscribedGatewayCount());
    }

    [Fact]
    public async Task Resending_with_the_same_client_id_returns_the_original_and_delivers_once()
    {
        await using var gateway = fixture.NewGateway();
        var room = Names.New("room");
        var alice = Names.User();
        await gateway.Join(room, alice);

        var first = await Room(room).Send(alice, "same", new TextBody("once"));
        var again = await Room(room).Send(alice, "same", new TextBody("once"));
        var next = await Room(room).Send(alice, "other", new TextBody("twice"));

        Assert.Equal((1L, false), (first.Seq, first.Duplicate));
        Assert.Equal((1L, true, first.Ts), (again.Seq, again.Duplicate, again.Ts));
        Assert.Equal(2L, next.Seq);
        await gateway.Recorder.WaitForFrames<RoomMessageEvent>(room, 2);
        Assert.Equal([1L, 2L], gateway.Recorder.Frames<RoomMessageEvent>(room).Select(m => m.Seq));
    }

    [Fact]
    public async Task A_reactivated_room_continues_the_sequence_from_the_log()
    {
        await using var gateway = fixture.NewGateway(renew: false);
        var room = Names.New("room");
        var alice = Names.User();
        await gateway.Join(room, alice);
        for (var i = 0; i < 3; i++)
        {
            await Room(room).Send(alice, $"m{i}", new TextBody("before"));
        }

        await fixture.Cluster.DeactivateAsync(Room(room));

        Assert.Equal(0, await Room(room).GetSubscribedGatewayCount()); // a new activation: nothing in memory
        var receipt = await Room(room).Send(alice, "after", new TextBody("after"));
        Assert.Equal(4L, receipt.Seq);
        var duplicate = await Room(room).Send(alice, "m0", new TextBody("before")); // the log remembers what memory forgot
        Assert.Equal((1L, true), (duplicate.Seq, duplicate.Duplicate));
        Assert.Equal([alice.Id], (await Room(room).GetMembers(alice.Id)).Select(m => m.User.Id)); // membership persisted
    }

    [Fact]
    public async Task History_pages_before_and_after()
    {
        await using var gateway = fixture.NewGateway();
        var room = Names.New("room");
        var alice = Names.User();
        await gateway.Join(room, alice);
        for (var i = 1; i <= 12; i++)
        {
            await Room(room).Send(alice, $"m{i}", new TextBody($"text {i}"));
        }

        var newest = await Room(room).ReadBefore(alice.Id, null, 5);
        Assert.Equal([8L, 9, 10, 11, 12], newest.Messages.Select(m => m.Seq));
        Assert.True(newest.More);

        var older = await Room(room).ReadBefore(alice.Id, 3, 5);
        Assert.Equal([1L, 2], older.Messages.Select(m => m.Seq));
        Assert.False(older.More);

        var after = await Room(room).ReadAfter(alice.Id, 10, 5);
        Assert.Equal([11L, 12], after.Messages.Select(m => m.Seq));
        Assert.False(after.More);
        Assert.Equal("text 11", Assert.IsType<TextBody>(after.Messages[0].Body).Text);

        var clamped = await Room(room).ReadAfter(alice.Id, 0, 0);
        Assert.Single(clamped.Messages);
        var capped = await Room(room).ReadAfter(alice.Id, 0, 10_000); // MaxPageSize is 50 in the fixture
        Assert.Equal(12, capped.Messages.Count);
    }

    [Fact]
    public async Task A_thousand_members_on_one_gateway_cost_one_call_per_message()
    {
        await using var gateway = fixture.NewGateway();
        var room = Names.New("room");
        var members = Enumerable.Range(0, 1000).Select(_ => Names.User()).ToList();
        foreach (var batch in members.Chunk(100))
        {
            await Task.WhenAll(batch.Select(m => gateway.Join(room, m)));
        }

        await gateway.Recorder.WaitForAnnouncedJoins(room, members.Count);
        Assert.Equal(1, await Room(room).GetSubscribedGatewayCount());
        Assert.All(await Room(room).GetMembers(members[0].Id), m => Assert.True(m.Online));

        // The recorder counts the calls this gateway received; the process-wide meter cannot tell them from those
        // of end-to-end tests running beside this one, so it is checked by name in the operations tests instead.
        const int Messages = 5;
        for (var i = 0; i < Messages; i++)
        {
            await Room(room).Send(members[i], $"m{i}", new TextBody("hello everyone"));
        }

        var delivered = await gateway.Recorder.WaitForFrames<RoomMessageEvent>(room, Messages);
        Assert.Equal(Messages, delivered.Count);
        Assert.Equal(Messages, gateway.Recorder.Calls.Count(c => c is { Method: "DeliverToRoom", Frame: RoomMessageEvent }));
    }

    private static async Task AssertForbidden(Func<Task> call)
    {
        var refused = await Assert.ThrowsAsync<ChatException>(call);
        Assert.Equal(ChatErrorCode.Forbidden, refused.Code);
    }
}
