using Orleans.Concurrency;

namespace OrleansChat.Grains;

/// <summary>
/// The outbox worker of one shard (key: the shard number, 0 to <c>Notifications:Shards</c> - 1). Orleans keeps one
/// activation per key in the cluster, so two silos never work the same shard at once; every silo pokes every shard
/// now and then, so a shard whose silo died is reactivated elsewhere and goes on from the durable outbox.
/// </summary>
public interface INotificationShardGrain : IGrainWithIntegerKey
{
    /// <summary>
    /// Runs a pass over the shard's due entries soon, unless one ran within the poll interval (<paramref name="urgent"/>:
    /// regardless, because entries were just queued). One way and coalesced: many pokes make one pass.
    /// </summary>
    [OneWay]
    Task Poke(bool urgent);

    /// <summary>Runs a pass now and returns how many entries it finished (sent or dead-lettered): for tests and diagnostics.</summary>
    Task<int> RunPass();
}
