using OrleansChat.Grains;
using OrleansChat.Grains.Gateways;
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
