using OrleansChat.Grains;
using OrleansChat.Model;
using OrleansChat.Protocol;
using OrleansChat.Tests.Infrastructure;

namespace OrleansChat.Tests.Conversations;

[Collection(SharedCluster.Name)]
public sealed class ReceiptAndDeleteTests(ClusterFixture fixture)
{
    private readonly IClusterClient _client = fixture.Client;

    private IUserGrain User(UserProfile user) => _client.GetGrain<IUserGrain>(user.Id);

    [Fact]
    public async Task The_peer_of_a_private_chat_gets_a_receipt_unless_the_read_is_private()
    {
        await using var gateway = fixture.NewGateway();
        var (alice, bob) = (Names.User("alice"), Names.User("bob"));
        await gateway.Connect(alice, "alice-phone");
        await gateway.Connect(bob, "bob-phone");
        var dm = _client.GetGrain<IPrivateChatGrain>(ConversationId.DmKey(alice.Id, bob.Id));
        var conv = ConversationId.ForDm(alice.Id, bob.Id);
        await dm.Request(alice);
        await dm.Accept(bob);
        for (var i = 0; i < 3; i++)
        {
            await dm.Send(bob, null, new TextBody($"m{i}"));
        }

        await User(alice).MarkRead(conv, 1, privately: true);
        await User(alice).MarkRead(conv, 3);

        var receipts = await gateway.Recorder.WaitForFrames<ConvReceiptEvent>(bob.Id);
        Assert.Equal(new ConvReceiptEvent(conv, alice.Id, 3), Assert.Single(receipts)); // the private read sent none
        Assert.Empty(gateway.Recorder.Frames<ConvReceiptEvent>(alice.Id));
    }

    [Fact]
    public async Task The_conversation_list_keeps_how_far_the_peer_has_read_so_ticks_survive_a_reload()
    {
        await using var gateway = fixture.NewGateway();
        var (alice, bob) = (Names.User("alice"), Names.User("bob"));
        var dm = _client.GetGrain<IPrivateChatGrain>(ConversationId.DmKey(alice.Id, bob.Id));
        var conv = ConversationId.ForDm(alice.Id, bob.Id);
        await dm.Request(alice);
        await dm.Accept(bob);
        for (var i = 0; i < 3; i++)
        {
            await dm.Send(alice, null, new TextBody($"m{i}"));
        }

        Assert.Null(Assert.Single((await User(alice).ListConversations(null, null)).Conversations).PeerReadSeq);
        await User(bob).MarkRead(conv, 2);
        await User(bob).MarkRead(conv, 1); // backwards: no receipt, nothing moves

        // The receipt reaches Alice's user grain one way; poll her list until it shows.
        await Eventually.TrueAsync(
            async () => Assert.Single((await User(alice).ListConversations(null, null)).Conversations).PeerReadSeq == 2,
            "alice's list says bob read up to 2");
        Assert.Null(Assert.Single((await User(bob).ListConversations(null, null)).Conversations).PeerReadSeq); // alice read nothing
    }

    [Fact]
    public async Task Deleting_for_me_is_kept_per_user_and_told_to_my_devices()
    {
        await using var gateway = fixture.NewGateway();
        var (alice, bob) = (Names.User("alice"), Names.User("bob"));
        var room = Names.New("room");
        var conv = ConversationId.ForRoom(room);
        await gateway.Connect(alice, "alice-phone");
        await gateway.Join(room, alice);
        await gateway.Join(room, bob);
        await _client.GetGrain<IGroupRoomGrain>(room).Send(bob, null, new TextBody("spam"));

        await User(alice).HideMessage(conv, 1);
        await User(alice).HideMessage(conv, 1); // twice: a no-op

        Assert.Equal([1L], await User(alice).GetHidden(conv));
        Assert.Empty(await User(bob).GetHidden(conv));
        Assert.Single(await gateway.Recorder.WaitForFrames<MsgDeletedEvent>(alice.Id));
        var notMine = await Assert.ThrowsAsync<ChatException>(() => User(alice).HideMessage(ConversationId.ForRoom(Names.New("other")), 1));
        Assert.Equal(ChatErrorCode.NotFound, notMine.Code);
    }
}
