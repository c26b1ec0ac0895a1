using OrleansChat.Grains;
using OrleansChat.Grains.Gateways;
using OrleansChat.Model;
using OrleansChat.Protocol;
using OrleansChat.Tests.Infrastructure;

namespace OrleansChat.Tests.Grains;

/// <summary>
/// An activating grain asks the live gateways which of its members they hold (<see cref="GatewayRecall"/>); a gateway
/// that does not answer within <see cref="GatewayRecall.AnswerTimeout"/> is asked again on a timer, so the grain learns
/// of it in seconds rather than at the gateway's next renewal (here: never, the gateway does not renew).
/// </summary>
[Collection(SharedCluster.Name)]
public sealed class GatewayRecallRetryTests(ClusterFixture fixture)
{
    [Fact]
    public async Task A_gateway_too_slow_for_the_first_ask_is_asked_again_and_its_connection_counts()
    {
        var user = Names.User("slow");
        var gateway = new SlowFirstAnswerGateway(user.Id, "phone");
        var reference = new GatewayRef("gw-slow-" + Guid.NewGuid().ToString("N")[..8], fixture.Client.CreateObjectReference<IGatewayObserver>(gateway));
        var directory = fixture.Client.GetGrain<IGatewayDirectoryGrain>(0);
        await directory.Register(reference);
        try
        {
            var grain = fixture.Client.GetGrain<IUserGrain>(user.Id);
            Assert.False(await grain.IsOnline()); // activated: the first ask timed out
            gateway.ReleaseFirstAnswer(); // the gateway recovers (its calls are served one at a time, so it had to)

            await Eventually.TrueAsync(() => grain.IsOnline(), "the user grain asked the slow gateway again", TimeSpan.FromSeconds(10));
            Assert.True(gateway.Asked >= 2);
        }
        finally
        {
            gateway.ReleaseFirstAnswer();
            await directory.Unregister(reference.GatewayId);
        }
    }

    [Fact]
    public async Task A_room_message_sent_before_a_slow_gateway_answered_reaches_it_once_it_does()
    {
        var room = Names.New("room");
        var user = Names.User("stayed");
        var gateway = new RecordingRoomGateway(room, user.Id);
        var reference = new GatewayRef("gw-late-" + Guid.NewGuid().ToString("N")[..8], fixture.Client.CreateObjectReference<IGatewayObserver>(gateway));
        var directory = fixture.Client.GetGrain<IGatewayDirectoryGrain>(0);
        await directory.Register(reference);
        try
        {
            var grain = fixture.Client.GetGrain<IGroupRoomGrain>(room);
            await grain.Join(user, reference);
            await grain.Deactivate(); // as if its silo had died: the next call activates it afresh, asking the gateways
            gateway.StallNextAsk();

            var sent = await grain.Send(user, "c1", new TextBody("while the gateway was slow")); // the first ask timed out
            Assert.DoesNotContain(sent.Seq, gateway.Delivered);
            gateway.ReleaseAsk();

            await Eventually.TrueAsync(() => gateway.Delivered.Contains(sent.Seq), "the message caught up with the gateway that answered late", TimeSpan.FromSeconds(15));
            var after = await grain.Send(user, "c2", new TextBody("live again"));
            await Eventually.TrueAsync(() => gateway.Delivered.Contains(after.Seq), "the next message live", TimeSpan.FromSeconds(10));
            Assert.Single(gateway.Delivered, seq => seq == sent.Seq); // caught up once, not again with the next message
        }
        finally
        {
            gateway.ReleaseAsk();
            await directory.Unregister(reference.GatewayId);
        }
    }

    /// <summary>Holds one user in one room and records the room messages it is given; one ask can be made to stall.</summary>
    private sealed class RecordingRoomGateway(string roomName, string userId) : IGatewayObserver
    {
        private readonly System.Collections.Concurrent.ConcurrentQueue<long> _delivered = new();
        private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _stallNext;

        public IReadOnlyList<long> Delivered => [.. _delivered];

        public void StallNextAsk() => Volatile.Write(ref _stallNext, 1);

        public void ReleaseAsk() => _released.TrySetResult();

        public async Task<string[]> LocalUsersIn(string room)
        {
            if (Interlocked.Exchange(ref _stallNext, 0) == 1)
            {
                await _released.Task; // stalled, as on a loaded machine: the ask gives up after AnswerTimeout
            }

            return room == roomName ? [userId] : [];
        }

        public Task<string[]> LocalConnectionsOf(string user) => Task.FromResult<string[]>([]);

        public Task DeliverToRoom(string room, ServerFrame frame) => DeliverManyToRoom(room, [frame]);

        public Task DeliverManyToRoom(string room, ServerFrame[] frames)
        {
            foreach (var message in frames.OfType<RoomMessageEvent>())
            {
                _delivered.Enqueue(message.Seq);
            }

            return Task.CompletedTask;
        }

        public Task DeliverToUsers(IReadOnlyList<string> userIds, ServerFrame frame) => Task.CompletedTask;

        public Task RoomMembershipChanged(string userId, string room, bool joined) => Task.CompletedTask;
    }

    /// <summary>Holds one connection of one user; its first answer about that user waits until the test releases it (a stalled gateway).</summary>
    private sealed class SlowFirstAnswerGateway(string userId, string connectionId) : IGatewayObserver
    {
        private readonly TaskCompletionSource _firstAnswer = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _asked;

        public int Asked => Volatile.Read(ref _asked);

        public void ReleaseFirstAnswer() => _firstAnswer.TrySetResult();

        public async Task<string[]> LocalConnectionsOf(string user)
        {
            if (user != userId)
            {
                return [];
            }

            if (Interlocked.Increment(ref _asked) == 1)
            {
                await _firstAnswer.Task; // stalled, as on a loaded machine: the ask gives up after AnswerTimeout
            }

            return [connectionId];
        }

        public Task<string[]> LocalUsersIn(string room) => Task.FromResult<string[]>([]);

        public Task DeliverToRoom(string room, ServerFrame frame) => Task.CompletedTask;

        public Task DeliverManyToRoom(string room, ServerFrame[] frames) => Task.CompletedTask;

        public Task DeliverToUsers(IReadOnlyList<string> userIds, ServerFrame frame) => Task.CompletedTask;

        public Task RoomMembershipChanged(string userId, string room, bool joined) => Task.CompletedTask;
    }
}
