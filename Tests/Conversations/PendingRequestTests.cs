using OrleansChat.Grains;
using OrleansChat.Model;
using OrleansChat.Protocol;
using OrleansChat.Tests.Infrastructure;

namespace OrleansChat.Tests.Conversations;

[Collection(SharedCluster.Name)]
public sealed class PendingRequestTests(ClusterFixture fixture)
{
    private readonly IClusterClient _client = fixture.Client;

    private IUserGrain User(UserProfile user) => _client.GetGrain<IUserGrain>(user.Id);

    private IPrivateChatGrain Dm(UserProfile a, UserProfile b) => _client.GetGrain<IPrivateChatGrain>(ConversationId.DmKey(a.Id, b.Id));

    [Fact]
    public async Task A_request_made_while_the_peer_is_offline_reaches_them_when_they_connect()
    {
        await using var gateway = fixture.NewGateway();
        var (alice, bob) = (Names.User("alice"), Names.User("bob"));
        await gateway.Connect(alice, "alice-phone");
        await Dm(alice, bob).Request(alice); // bob has never connected

        var session = await gateway.Connect(bob, "bob-phone");
        var incoming = Assert.Single(session.Requests!);
        Assert.Equal((ConversationId.ForDm(alice.Id, bob.Id), alice, true), (incoming.Conv, incoming.User, incoming.Incoming));
        var outgoing = Assert.Single(await User(alice).GetRequests());
        Assert.Equal((bob.Id, false), (outgoing.User.Id, outgoing.Incoming));

        await Dm(alice, bob).Accept(bob);
        Assert.Empty(await User(alice).GetRequests());
        Assert.Empty(await User(bob).GetRequests());
        Assert.Empty((await gateway.Connect(bob, "bob-laptop")).Requests!);
    }

    [Fact]
    public async Task Decline_and_cancel_end_the_request_on_both_sides()
    {
        await using var gateway = fixture.NewGateway();
        var (alice, bob) = (Names.User("alice"), Names.User("bob"));
        await gateway.Connect(bob, "bob-phone");

        await Dm(alice, bob).Request(alice);
        await Dm(alice, bob).Decline(bob);
        Assert.Empty(await User(alice).GetRequests());
        Assert.Empty(await User(bob).GetRequests());

        await Dm(alice, bob).Request(alice);
        Assert.Single(await User(bob).GetRequests());
        var refused = await Assert.ThrowsAsync<ChatException>(() => Dm(alice, bob).Cancel(bob)); // not bob's request
        Assert.Equal(ChatErrorCode.Conflict, refused.Code);

        Assert.Equal(DmStatus.None, (await Dm(alice, bob).Cancel(alice)).Status);
        Assert.Empty(await User(alice).GetRequests());
        Assert.Empty(await User(bob).GetRequests());
        var cancelled = await gateway.Recorder.WaitForFrames<DmCancelledEvent>(bob.Id);
        Assert.Equal(alice, cancelled[0].By);
        await Assert.ThrowsAsync<ChatException>(() => Dm(alice, bob).Accept(bob)); // nothing left to accept
    }
}
