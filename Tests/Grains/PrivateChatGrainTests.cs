using OrleansChat.Grains;
using OrleansChat.Model;
using OrleansChat.Protocol;
using OrleansChat.Tests.Infrastructure;

namespace OrleansChat.Tests.Grains;

[Collection(SharedCluster.Name)]
public sealed class PrivateChatGrainTests(ClusterFixture fixture) : IAsyncLifetime
{
    private readonly UserProfile _alice = Names.User("alice");
    private readonly UserProfile _bob = Names.User("bob");
    private TestGateway _aliceGateway = null!;
    private TestGateway _bobGateway = null!;

    private IPrivateChatGrain Dm => fixture.Client.GetGrain<IPrivateChatGrain>(ConversationId.DmKey(_alice.Id, _bob.Id));

    private string Conv => ConversationId.ForDm(_alice.Id, _bob.Id);

    public async Task InitializeAsync()
    {
        _aliceGateway = fixture.NewGateway();
        _bobGateway = fixture.NewGateway();
        await _aliceGateway.Connect(_alice, "alice-1");
        await _bobGateway.Connect(_bob, "bob-1");
    }

    public async Task DisposeAsync()
    {
        await _aliceGateway.DisposeAsync();
        await _bobGateway.DisposeAsync();
    }

    [Fact]
    public async Task Request_then_accept_opens_for_both_and_messages_reach_both_users()
    {
        var requested = await Dm.Request(_alice);
        Assert.Equal(new DmState(Conv, DmStatus.Requested, _alice.Id), requested);
        var request = Assert.Single(await _bobGateway.Recorder.WaitForFrames<DmRequestEvent>(_bob.Id));
        Assert.Equal(_alice, request.From);

        Assert.Equal(DmStatus.Requested, (await Dm.Request(_alice)).Status); // asking again is a no-op
        await AssertRefused(ChatErrorCode.Conflict, () => Dm.Accept(_alice)); // one cannot accept one's own request
        await AssertRefused(ChatErrorCode.Forbidden, () => Dm.Send(_alice, "early", new TextBody("too soon")));

        var open = await Dm.Accept(_bob);
        Assert.Equal(DmStatus.Open, open.Status);
        Assert.Equal(_bob, Assert.Single(await _aliceGateway.Recorder.WaitForFrames<DmOpenEvent>(_alice.Id)).With);
        Assert.Equal(_alice, Assert.Single(await _bobGateway.Recorder.WaitForFrames<DmOpenEvent>(_bob.Id)).With);
        Assert.Equal([_bob.Id], (await fixture.Client.GetGrain<IUserGrain>(_alice.Id).Connect(_alice, _aliceGateway.Ref, "second")).DmPeers);

        var receipt = await Dm.Send(_alice, "m1", new TextBody("hi bob"));
        Assert.Equal((Conv, 1L, false), (receipt.Conv, receipt.Seq, receipt.Duplicate));
        var toBob = Assert.Single(await _bobGateway.Recorder.WaitForFrames<DmMessageEvent>(_bob.Id));
        var toAlice = Assert.Single(await _aliceGateway.Recorder.WaitForFrames<DmMessageEvent>(_alice.Id)); // her other devices
        Assert.Equal((_bob.Id, 1L, "m1"), (toBob.To, toBob.Seq, toBob.Id));
        Assert.Equal(toBob, toAlice);

        var resend = await Dm.Send(_alice, "m1", new TextBody("hi bob"));
        Assert.True(resend.Duplicate);
        Assert.Equal(2L, (await Dm.Send(_bob, "m2", new TextBody("hi alice"))).Seq);
        await _bobGateway.Recorder.WaitForFrames<DmMessageEvent>(_bob.Id, 2);
        Assert.Equal([1L, 2L], _bobGateway.Recorder.Frames<DmMessageEvent>(_bob.Id).Select(m => m.Seq));
    }

    [Fact]
    public async Task Crossing_requests_open_the_conversation()
    {
        await Dm.Request(_alice);
        var state = await Dm.Request(_bob);

        Assert.Equal(DmStatus.Open, state.Status);
        await _aliceGateway.Recorder.WaitForFrames<DmOpenEvent>(_alice.Id);
        await _bobGateway.Recorder.WaitForFrames<DmOpenEvent>(_bob.Id);
        Assert.Equal(DmStatus.Open, (await Dm.Request(_alice)).Status); // already open: no-op
    }

    [Fact]
    public async Task Decline_tells_the_requester_and_a_new_request_is_possible()
    {
        await AssertRefused(ChatErrorCode.Conflict, () => Dm.Decline(_bob)); // nothing to decline
        await Dm.Request(_alice);
        await AssertRefused(ChatErrorCode.Conflict, () => Dm.Decline(_alice));

        var declined = await Dm.Decline(_bob);
        Assert.Equal(DmStatus.Declined, declined.Status);
        Assert.Equal(_bob, Assert.Single(await _aliceGateway.Recorder.WaitForFrames<DmDeclinedEvent>(_alice.Id)).By);
        await AssertRefused(ChatErrorCode.Forbidden, () => Dm.Send(_alice, null, new TextBody("still no")));

        Assert.Equal(new DmState(Conv, DmStatus.Requested, _alice.Id), await Dm.Request(_alice));
        await _bobGateway.Recorder.WaitForFrames<DmRequestEvent>(_bob.Id, 2);
    }

    [Fact]
    public async Task Leave_closes_for_both_and_history_stays_readable()
    {
        await Dm.Request(_alice);
        await Dm.Accept(_bob);
        await Dm.Send(_bob, "m1", new TextBody("bye soon"));

        var left = await Dm.Leave(_alice);
        Assert.Equal(DmStatus.None, left.Status);
        Assert.Equal(_alice, Assert.Single(await _bobGateway.Recorder.WaitForFrames<DmLeftEvent>(_bob.Id)).By);
        Assert.Empty((await fixture.Client.GetGrain<IUserGrain>(_bob.Id).Connect(_bob, _bobGateway.Ref, "again")).DmPeers);

        await AssertRefused(ChatErrorCode.Forbidden, () => Dm.Send(_bob, "m2", new TextBody("hello?")));
        await AssertRefused(ChatErrorCode.NotFound, () => Dm.Leave(_bob));
        var history = await Dm.ReadBefore(_alice.Id, null, 10);
        Assert.Equal("m1", Assert.Single(history.Messages).ClientId);
        Assert.Single((await Dm.ReadAfter(_bob.Id, 0, 10)).Messages);
    }

    [Fact]
    public async Task Only_the_two_users_may_act_on_the_conversation()
    {
        var mallory = Names.User("mallory");
        await Dm.Request(_alice);

        await AssertRefused(ChatErrorCode.Forbidden, () => Dm.Request(mallory));
        await AssertRefused(ChatErrorCode.Forbidden, () => Dm.Accept(mallory));
        await AssertRefused(ChatErrorCode.Forbidden, () => Dm.Decline(mallory));
        await AssertRefused(ChatErrorCode.Forbidden, () => Dm.Leave(mallory));
        await AssertRefused(ChatErrorCode.Forbidden, () => Dm.Send(mallory, null, new TextBody("psst")));
        await AssertRefused(ChatErrorCode.Forbidden, () => Dm.ReadBefore(mallory.Id, null, 10));
        await AssertRefused(ChatErrorCode.Forbidden, () => Dm.ReadAfter(mallory.Id, 0, 10));
        await AssertRefused(ChatErrorCode.Forbidden, () => Dm.UserGatewaysChanged(new UserGateways(mallory.Id, [], 1), presenceChanged: true));
    }

    [Fact]
    public async Task The_open_peer_is_told_when_the_user_comes_online_and_goes_offline()
    {
        await Dm.Request(_alice);
        await Dm.Accept(_bob);
        await using var laptop = fixture.NewGateway();

        await laptop.Connect(_alice, "alice-2"); // online already: no event
        await _aliceGateway.Disconnect(_alice.Id, "alice-1"); // one connection left: no event
        await laptop.Disconnect(_alice.Id, "alice-2"); // the last one: offline
        await laptop.Connect(_alice, "alice-3"); // online again

        var presence = await _bobGateway.Recorder.WaitForFrames<DmPresenceEvent>(_bob.Id, 2);
        // One-way deliveries may arrive swapped; the version says which came first.
        Assert.Equal([(_alice.Id, false), (_alice.Id, true)], presence.OrderBy(p => p.Version).Select(p => (p.User, p.Online)));
        Assert.Equal(Conv, presence[0].Conv);
        Assert.True(await fixture.Client.GetGrain<IUserGrain>(_alice.Id).IsOnline());
        Assert.Empty(_aliceGateway.Recorder.Frames<DmPresenceEvent>(_alice.Id)); // bob never changed
    }

    [Fact]
    public async Task A_message_between_two_users_on_one_gateway_costs_one_gateway_call()
    {
        await using var shared = fixture.NewGateway();
        var (carol, dave) = (Names.User("carol"), Names.User("dave"));
        await shared.Connect(carol);
        await shared.Connect(dave);
        var dm = fixture.Client.GetGrain<IPrivateChatGrain>(ConversationId.DmKey(carol.Id, dave.Id));
        await dm.Request(carol);
        await dm.Accept(dave);
        await shared.Recorder.WaitForFrames<DmOpenEvent>(carol.Id);
        await shared.Recorder.WaitForFrames<DmOpenEvent>(dave.Id);
        var before = shared.Recorder.UserDeliveryCalls;

        for (var i = 1; i <= 5; i++)
        {
            await dm.Send(i % 2 == 0 ? dave : carol, $"m{i}", new TextBody($"hello {i}"));
        }

        await shared.Recorder.WaitForFrames<DmMessageEvent>(dave.Id, 5); // the peer and the sender's own devices
        await shared.Recorder.WaitForFrames<DmMessageEvent>(carol.Id, 5);
        Assert.Equal(5, shared.Recorder.UserDeliveryCalls - before);
    }

    [Fact]
    public async Task Messages_follow_the_users_to_the_gateways_they_connect_to_and_leave()
    {
        await Dm.Request(_alice);
        await Dm.Accept(_bob);
        await using var laptop = fixture.NewGateway();

        await laptop.Connect(_alice, "alice-laptop"); // a gateway the conversation has not delivered to before
        await Dm.Send(_bob, "m1", new TextBody("to both of alice's devices"));
        Assert.Equal("m1", Assert.Single(await laptop.Recorder.WaitForFrames<DmMessageEvent>(_alice.Id)).Id);
        await _aliceGateway.Recorder.WaitForFrames<DmMessageEvent>(_alice.Id);

        await laptop.Disconnect(_alice.Id, "alice-laptop");
        await Dm.Send(_bob, "m2", new TextBody("to the phone only"));
        await _aliceGateway.Recorder.WaitForFrames<DmMessageEvent>(_alice.Id, 2);
        await _bobGateway.Recorder.WaitForFrames<DmMessageEvent>(_bob.Id, 2);
        Assert.Equal(["m1"], laptop.Recorder.Frames<DmMessageEvent>(_alice.Id).Select(m => m.Id));
    }

    private static async Task AssertRefused(ChatErrorCode code, Func<Task> call)
    {
        var refused = await Assert.ThrowsAsync<ChatException>(call);
        Assert.Equal(code, refused.Code);
    }
}
