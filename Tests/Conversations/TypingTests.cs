using OrleansChat.Grains;
using OrleansChat.Grains.Conversations;
using OrleansChat.Model;
using OrleansChat.Protocol;
using OrleansChat.Tests.Infrastructure;

namespace OrleansChat.Tests.Conversations;

[Collection(SharedCluster.Name)]
public sealed class TypingTests(ClusterFixture fixture)
{
    private readonly IClusterClient _client = fixture.Client;

    private IGroupRoomGrain Room(string name) => _client.GetGrain<IGroupRoomGrain>(name);

    [Fact]
    public async Task Typing_reaches_the_room_renewals_are_throttled_and_it_expires_without_renewal()
    {
        await using var gateway = fixture.NewGateway();
        var (alice, bob) = (Names.User("alice"), Names.User("bob"));
        var room = Names.New("room");
        await gateway.Join(room, alice);
        await gateway.Join(room, bob);

        var started = DateTimeOffset.UtcNow;
        await Room(room).Typing(bob, on: true);
        await Room(room).Typing(bob, on: true); // a renewal right away is not passed on
        var on = Assert.Single(await gateway.Recorder.WaitForFrames<TypingEvent>(room));
        Assert.Equal((bob, true, 6000L), (on.User, on.On, on.ExpiresInMs));

        var off = await gateway.Recorder.WaitForFrames<TypingEvent>(room, 2);
        Assert.False(off[1].On);
        Assert.True(DateTimeOffset.UtcNow - started >= TypingIndicators.Expiry, "expired only after 6 s without renewal");
        var stranger = await Assert.ThrowsAsync<ChatException>(() => Room(room).Typing(Names.User("eve"), on: true));
        Assert.Equal(ChatErrorCode.Forbidden, stranger.Code);
    }

    [Fact]
    public async Task Stopping_is_announced_at_once_and_a_private_chat_tells_only_the_peer()
    {
        await using var gateway = fixture.NewGateway();
        var (alice, bob) = (Names.User("alice"), Names.User("bob"));
        await gateway.Connect(alice, "alice-phone");
        await gateway.Connect(bob, "bob-phone");
        var dm = _client.GetGrain<IPrivateChatGrain>(ConversationId.DmKey(alice.Id, bob.Id));
        await dm.Request(alice);
        await dm.Accept(bob);

        await dm.Typing(alice, on: true);
        await dm.Typing(alice, on: false);

        var atBob = await gateway.Recorder.WaitForFrames<TypingEvent>(bob.Id, 2);
        Assert.Equal([true, false], atBob.Select(e => e.On));
        Assert.Empty(gateway.Recorder.Frames<TypingEvent>(alice.Id));
    }

    [Fact]
    public async Task Rooms_over_fifty_members_pass_on_no_typing()
    {
        await using var gateway = fixture.NewGateway();
        var room = Names.New("crowd");
        var members = Enumerable.Range(0, 51).Select(_ => Names.User("m")).ToList();
        foreach (var member in members)
        {
            await gateway.Join(room, member);
        }

        await Room(room).Typing(members[0], on: true);
        await Room(room).Send(members[0], null, new TextBody("a message after the typing"));

        await gateway.Recorder.WaitForFrames<RoomMessageEvent>(room);
        Assert.Empty(gateway.Recorder.Frames<TypingEvent>(room)); // the room handled the typing before the send
    }
}
