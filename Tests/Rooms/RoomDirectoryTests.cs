using OrleansChat.Grains;
using OrleansChat.Model;
using OrleansChat.Tests.Infrastructure;

namespace OrleansChat.Tests.Rooms;

/// <summary><c>room.list</c> on a real 2-silo cluster: public rooms by prefix, member counts kept by the rooms, pages.</summary>
[Collection(SharedCluster.Name)]
public sealed class RoomDirectoryTests(ClusterFixture fixture)
{
    private IRoomDirectoryGrain Directory => fixture.Client.GetGrain<IRoomDirectoryGrain>(0);

    [Fact]
    public async Task Public_rooms_with_a_prefix_are_listed_in_name_order_with_member_counts_in_pages()
    {
        await using var gateway = fixture.NewGateway();
        var prefix = Names.New("dir").Replace("-", "", StringComparison.Ordinal);
        var (alice, bob) = (Names.User("alice"), Names.User("bob"));
        await gateway.Create(prefix + "-c", alice, RoomVisibility.Public);
        await gateway.Join(prefix + "-a", alice);
        await gateway.Join(prefix + "-a", bob);
        await gateway.Create(prefix + "-b", alice, RoomVisibility.Public);
        await gateway.Create(prefix + "-hidden", alice, RoomVisibility.Private);
        await gateway.Join(prefix + "x-other", alice); // shares the prefix too, sorts last

        await Eventually.TrueAsync(async () => (await Directory.List(prefix + "-", null, 10)).Rooms.Any(r => r.Id == prefix + "-a" && r.Members == 2),
            "the second join reached the directory");
        var first = await Directory.List(prefix, null, 2);
        var second = await Directory.List(prefix, first.Next, 2);

        Assert.Equal([(prefix + "-a", 2), (prefix + "-b", 1)], first.Rooms.Select(r => (r.Name, r.Members)));
        Assert.Equal(prefix + "-b", first.Next);
        Assert.Equal([prefix + "-c", prefix + "x-other"], second.Rooms.Select(r => r.Id));
        Assert.Null(second.Next);
        Assert.Equal(ConversationId.ForRoom(prefix + "-a"), first.Rooms[0].Conv);
    }

    [Fact]
    public async Task A_room_its_last_member_left_is_taken_off()
    {
        await using var gateway = fixture.NewGateway();
        var room = Names.New("gone");
        var alice = Names.User("alice");
        await gateway.Join(room, alice);
        await Eventually.TrueAsync(async () => (await Directory.List(room, null, 5)).Rooms.Count == 1, "the room is listed");

        await gateway.Room(room).Leave(alice.Id);

        await Eventually.TrueAsync(async () => (await Directory.List(room, null, 5)).Rooms.Count == 0, "the empty room is taken off");
    }
}
