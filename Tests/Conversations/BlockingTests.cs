using OrleansChat.Grains;
using OrleansChat.Model;
using OrleansChat.Tests.Infrastructure;

namespace OrleansChat.Tests.Conversations;

[Collection(SharedCluster.Name)]
public sealed class BlockingTests(ClusterFixture fixture)
{
    private readonly IClusterClient _client = fixture.Client;

    private IUserGrain User(UserProfile user) => _client.GetGrain<IUserGrain>(user.Id);

    private IPrivateChatGrain Dm(UserProfile a, UserProfile b) => _client.GetGrain<IPrivateChatGrain>(ConversationId.DmKey(a.Id, b.Id));

    [Fact]
    public async Task A_blocked_user_cannot_request_and_an_unblocked_one_can()
    {
        var (alice, bob) = (Names.User("alice"), Names.User("bob"));
        await User(alice).Block(bob.Id);
        await User(alice).Block(bob.Id); // twice: a no-op

        Assert.Equal([bob.Id], await User(alice).GetBlocks());
        var refused = await Assert.ThrowsAsync<ChatException>(() => Dm(alice, bob).Request(bob));
        Assert.Equal(ChatErrorCode.Forbidden, refused.Code);
        Assert.Empty(await User(alice).GetRequests()); // nothing reached alice
        var self = await Assert.ThrowsAsync<ChatException>(() => User(alice).Block(alice.Id));
        Assert.Equal(ChatErrorCode.BadRequest, self.Code);

        await User(alice).Unblock(bob.Id);
        Assert.Empty(await User(alice).GetBlocks());
        Assert.Equal(DmStatus.Requested, (await Dm(alice, bob).Request(bob)).Status);
    }

    [Fact]
    public async Task A_blocked_peer_cannot_send_in_an_open_conversation_while_the_blocker_still_can()
    {
        await using var gateway = fixture.NewGateway();
        var (alice, bob) = (Names.User("alice"), Names.User("bob"));
        await gateway.Connect(alice, "alice-phone");
        await Dm(alice, bob).Request(alice);
        await Dm(alice, bob).Accept(bob);
        await Dm(alice, bob).Send(bob, null, new TextBody("before"));

        await User(alice).Block(bob.Id);

        await Eventually.TrueAsync(
            async () =>
            {
                try
                {
                    await Dm(alice, bob).Send(bob, null, new TextBody("after"));
                    return false;
                }
                catch (ChatException e) when (e.Code == ChatErrorCode.Forbidden)
                {
                    return true;
                }
            },
            "bob's sends are refused");
        var entry = (await User(alice).ListConversations(null, null)).Conversations.Single();
        Assert.True(entry.Blocked);
        await Dm(alice, bob).Send(alice, null, new TextBody("the blocker may still write"));

        await User(alice).Unblock(bob.Id);
        await Eventually.TrueAsync(
            async () =>
            {
                try
                {
                    await Dm(alice, bob).Send(bob, "again", new TextBody("unblocked"));
                    return true;
                }
                catch (ChatException e) when (e.Code == ChatErrorCode.Forbidden)
                {
                    return false;
                }
            },
            "bob may send again");
    }
}
