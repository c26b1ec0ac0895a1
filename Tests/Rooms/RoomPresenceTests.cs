using OrleansChat.Grains;
using OrleansChat.Model;
using OrleansChat.Protocol;
using OrleansChat.Tests.Infrastructure;

namespace OrleansChat.Tests.Rooms;

/// <summary>
/// <c>room.presence</c> on a real 2-silo cluster (Chat:PresenceMaxMembers is
/// <see cref="ClusterFixture.ReceiptAndPresenceMaxMembers"/> there): members going offline and coming back are pushed to
/// the room as a diff at most once a second; bigger rooms push nothing.
/// </summary>
[Collection(SharedCluster.Name)]
public sealed class RoomPresenceTests(ClusterFixture fixture)
{
    [Fact]
    public async Task A_member_going_offline_and_coming_back_is_pushed_to_the_room()
    {
        await using var gateway = fixture.NewGateway();
        var (alice, bob) = (Names.User("alice"), Names.User("bob"));
        var room = Names.New("room");
        await gateway.Join(room, alice);
        await gateway.Join(room, bob);
        await gateway.Recorder.WaitUntil(_ => Online(gateway, room).Contains(bob.Id));

        await gateway.Room(room).Detach(gateway.Id, bob.Id);
        var offline = await gateway.Recorder.WaitForFrames<RoomPresenceEvent>(room, where: p => p.Offline.Contains(bob.Id));
        Assert.Equal((room, ConversationId.ForRoom(room)), (offline[0].Room, offline[0].Conv));
        Assert.DoesNotContain(alice.Id, offline[0].Offline);

        await gateway.Room(room).Attach(gateway.Ref, bob.Id);
        var back = await gateway.Recorder.WaitForFrames<RoomPresenceEvent>(room, where: p => p.Online.Contains(bob.Id) && p.Offline.Count == 0);
        Assert.DoesNotContain(alice.Id, back[^1].Online); // a diff, not the whole list
    }

    [Fact]
    public async Task A_member_who_drops_and_returns_within_one_window_is_in_neither_list()
    {
        await using var gateway = fixture.NewGateway();
        var (alice, bob, cy) = (Names.User("alice"), Names.User("bob"), Names.User("cy"));
        var room = Names.New("room");
        foreach (var user in new[] { alice, bob, cy })
        {
            await gateway.Join(room, user);
        }

        await gateway.Recorder.WaitUntil(_ => Online(gateway, room).Contains(cy.Id));

        await gateway.Room(room).Detach(gateway.Id, cy.Id); // opens a window (sent at once)
        await gateway.Room(room).Detach(gateway.Id, bob.Id); // within it: pending
        await gateway.Room(room).Attach(gateway.Ref, bob.Id); // back before the tick

        var cyOffline = await gateway.Recorder.WaitForFrames<RoomPresenceEvent>(room, where: p => p.Offline.Contains(cy.Id));
        await gateway.Room(room).Attach(gateway.Ref, cy.Id);
        await gateway.Recorder.WaitForFrames<RoomPresenceEvent>(room, where: p => p.Online.Contains(cy.Id) && p.Offline.Count == 0);
        Assert.DoesNotContain(gateway.Recorder.Frames<RoomPresenceEvent>(room), p => p.Offline.Contains(bob.Id));
        Assert.Single(cyOffline);
    }

    [Fact]
    public async Task Above_the_cap_no_presence_is_pushed()
    {
        await using var gateway = fixture.NewGateway();
        var users = Enumerable.Range(0, ClusterFixture.ReceiptAndPresenceMaxMembers + 1).Select(i => Names.User($"u{i}")).ToList();
        var room = Names.New("big");
        foreach (var user in users)
        {
            await gateway.Join(room, user);
        }

        await gateway.Room(room).Detach(gateway.Id, users[1].Id);
        await gateway.Room(room).Send(users[0], null, new TextBody("after the detach"));

        await gateway.Recorder.WaitForFrames<RoomMessageEvent>(room);
        var frames = gateway.Recorder.Frames<RoomPresenceEvent>(room); // only the first joins', while the room was small
        Assert.DoesNotContain(frames, p => p.Offline.Contains(users[1].Id));
        Assert.DoesNotContain(frames, p => p.Online.Contains(users[^1].Id)); // the join that took it over the cap
    }

    private static HashSet<string> Online(TestGateway gateway, string room) =>
        [.. gateway.Recorder.Frames<RoomPresenceEvent>(room).SelectMany(p => p.Online)];
}
