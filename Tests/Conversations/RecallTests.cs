using OrleansChat.Grains;
using OrleansChat.Model;
using OrleansChat.Protocol;
using OrleansChat.Tests.Infrastructure;

namespace OrleansChat.Tests.Conversations;

[Collection(SharedCluster.Name)]
public sealed class RecallTests(ClusterFixture fixture)
{
    private readonly IClusterClient _client = fixture.Client;

    private IGroupRoomGrain Room(string name) => _client.GetGrain<IGroupRoomGrain>(name);

    private IUserGrain User(UserProfile user) => _client.GetGrain<IUserGrain>(user.Id);

    [Fact]
    public async Task A_recall_is_a_new_entry_erases_the_original_updates_the_preview_and_is_not_unread()
    {
        await using var gateway = fixture.NewGateway();
        var (owner, alice, bob) = (Names.User("owner"), Names.User("alice"), Names.User("bob"));
        var room = Names.New("room");
        var conv = ConversationId.ForRoom(room);
        foreach (var user in new[] { owner, alice, bob })
        {
            await gateway.Join(room, user);
        }

        await Room(room).Send(bob, null, new TextBody("hi"));
        var mistake = await Room(room).Send(alice, "m-1", new TextBody("sent by mistake"));
        Assert.Equal(2, (await EntryOf(owner, conv)).Unread);

        var recall = await Room(room).Recall(alice, mistake.Seq);

        Assert.Equal(3L, recall.Seq);
        var delivered = await gateway.Recorder.WaitForFrames<RoomMessageEvent>(room, 3);
        Assert.Contains(delivered, e => e.Seq == 3 && e.Body == new RecallBody(2) && e.From == alice);
        var stored = (await ClusterFixture.SharedLog.ReadAfterAsync(conv, 0, 10)).Messages;
        Assert.Equal(new MessageBody[] { new TextBody("hi"), new RecalledBody(), new RecallBody(2) }, stored.Select(m => m.Body));
        Assert.Equal(stored, (await Room(room).ReadBefore(bob.Id, null, 10)).Messages); // history shows the placeholder

        var atOwner = await EntryOf(owner, conv);
        Assert.Equal(("recall", 3L, 1L), (atOwner.Last!.Kind, atOwner.Last.Seq, atOwner.Unread)); // only "hi" is unread
        Assert.Equal(0, (await EntryOf(alice, conv)).Unread);

        var again = await Assert.ThrowsAsync<ChatException>(() => Room(room).Recall(alice, mistake.Seq));
        Assert.Equal(ChatErrorCode.Conflict, again.Code);
        var ofARecall = await Assert.ThrowsAsync<ChatException>(() => Room(room).Recall(owner, recall.Seq));
        Assert.Equal(ChatErrorCode.BadRequest, ofARecall.Code);
        var missing = await Assert.ThrowsAsync<ChatException>(() => Room(room).Recall(owner, 99));
        Assert.Equal(ChatErrorCode.NotFound, missing.Code);
        var resend = await Room(room).Send(alice, "m-1", new TextBody("sent by mistake"));
        Assert.Equal((true, 2L), (resend.Duplicate, resend.Seq)); // a resend does not bring it back
    }

    [Fact]
    public async Task Members_recall_their_own_within_the_window_and_owners_and_admins_any_time()
    {
        await using var gateway = fixture.NewGateway();
        var (owner, admin, alice, bob) = (Names.User("owner"), Names.User("admin"), Names.User("alice"), Names.User("bob"));
        var room = Names.New("room");
        foreach (var user in new[] { owner, admin, alice, bob })
        {
            await gateway.Join(room, user);
        }

        await Room(room).SetRole(owner, admin.Id, RoomRole.Admin);
        var first = await Room(room).Send(alice, null, new TextBody("one"));
        var second = await Room(room).Send(alice, null, new TextBody("two"));
        var third = await Room(room).Send(alice, null, new TextBody("three"));

        var notBobs = await Assert.ThrowsAsync<ChatException>(() => Room(room).Recall(bob, first.Seq));
        Assert.Equal(ChatErrorCode.Forbidden, notBobs.Code);

        // Waiting on the clock, not for luck: the window is measured from the message's own ts.
        await Eventually.TrueAsync(
            () => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - first.Ts > ClusterFixture.RecallWindow.TotalMilliseconds + 50,
            "the recall window passed", ClusterFixture.RecallWindow * 3);
        var late = await Assert.ThrowsAsync<ChatException>(() => Room(room).Recall(alice, first.Seq));
        Assert.Equal(ChatErrorCode.Forbidden, late.Code);

        await Room(room).Recall(owner, first.Seq);
        await Room(room).Recall(admin, second.Seq);
        var page = await Room(room).ReadBefore(alice.Id, null, 10);
        Assert.Equal(new MessageBody[] { new RecalledBody(), new RecalledBody(), new TextBody("three") }, page.Messages.Take(3).Select(m => m.Body));
        Assert.Equal(third.Seq, page.Messages[2].Seq);
    }

    [Fact]
    public async Task In_a_private_chat_only_the_sender_recalls_and_both_users_see_it()
    {
        await using var gateway = fixture.NewGateway();
        var (alice, bob) = (Names.User("alice"), Names.User("bob"));
        await gateway.Connect(alice, "alice-phone");
        await gateway.Connect(bob, "bob-phone");
        var dm = _client.GetGrain<IPrivateChatGrain>(ConversationId.DmKey(alice.Id, bob.Id));
        await dm.Request(alice);
        await dm.Accept(bob);
        var sent = await dm.Send(alice, null, new TextBody("oops"));

        var notBobs = await Assert.ThrowsAsync<ChatException>(() => dm.Recall(bob, sent.Seq));
        Assert.Equal(ChatErrorCode.Forbidden, notBobs.Code);
        var recall = await dm.Recall(alice, sent.Seq);

        var atBob = await gateway.Recorder.WaitForFrames<DmMessageEvent>(bob.Id, where: m => m.Seq == recall.Seq);
        Assert.Equal(new RecallBody(sent.Seq), atBob[0].Body);
        var entry = (await User(bob).ListConversations(null, null)).Conversations.Single();
        Assert.Equal(("recall", 0L), (entry.Last!.Kind, entry.Unread));
        Assert.IsType<RecalledBody>((await dm.ReadBefore(bob.Id, null, 10)).Messages[0].Body);
    }

    private async Task<ConversationEntry> EntryOf(UserProfile user, string conv) =>
        (await User(user).ListConversations(null, null)).Conversations.Single(c => c.Conv == conv);
}
