using OrleansChat.Grains;
using OrleansChat.Grains.Gateways;
using OrleansChat.Tests.Infrastructure;

namespace OrleansChat.Tests.Grains;

public sealed class GatewaySubscriptionsTests
{
    private static readonly TimeSpan Expiry = TimeSpan.FromSeconds(90);
    private readonly ManualTimeProvider _time = new();
    private readonly GatewaySubscriptions _subscriptions;
    private readonly GatewayRef _one = new("one", new RecordingGatewayObserver());
    private readonly GatewayRef _two = new("two", new RecordingGatewayObserver());

    public GatewaySubscriptionsTests() => _subscriptions = new GatewaySubscriptions(_time, Expiry);

    [Fact]
    public void Members_are_added_and_removed_and_an_empty_gateway_is_dropped()
    {
        _subscriptions.Add(_one, "alice");
        _subscriptions.Add(_one, "bob");
        _subscriptions.Add(_two, "bob");

        Assert.Equal(2, _subscriptions.LiveCount);
        _subscriptions.Remove("two", "bob");
        Assert.Equal([_one.Observer], _subscriptions.LiveObservers);
        Assert.True(_subscriptions.IsLive("bob"));

        _subscriptions.RemoveEverywhere("bob");
        _subscriptions.Remove("one", "alice");
        Assert.Equal(0, _subscriptions.Count);
        Assert.False(_subscriptions.AnyLive);
    }

    [Fact]
    public void An_entry_not_renewed_within_the_expiry_is_never_notified_and_is_removed()
    {
        _subscriptions.Add(_one, "alice");
        _subscriptions.Add(_two, "bob");

        _time.Advance(Expiry / 2);
        _subscriptions.Renew(_two, ["bob", "carol"]);
        _time.Advance(Expiry / 2);

        Assert.Equal([_two.Observer], _subscriptions.LiveObservers);
        Assert.False(_subscriptions.IsLive("alice"));
        var dropped = Assert.Single(_subscriptions.RemoveExpired(_time.GetUtcNow()));
        Assert.Equal("one", dropped.GatewayId);
        Assert.Equal("alice", Assert.Single(dropped.Members));
        Assert.Equal(1, _subscriptions.Count);
        Assert.True(_subscriptions.IsLive("carol"));
    }

    [Fact]
    public void The_live_gateways_are_compared_by_id_and_an_expired_one_no_longer_counts()
    {
        _subscriptions.Add(_one, "alice");
        _subscriptions.Add(_two, "bob");

        Assert.True(_subscriptions.LiveGatewaysAre([_two, _one]));
        Assert.True(_subscriptions.LiveGatewaysAre([new GatewayRef("one", new RecordingGatewayObserver()), _two]));
        Assert.False(_subscriptions.LiveGatewaysAre([_one]));
        Assert.False(_subscriptions.LiveGatewaysAre([_one, new GatewayRef("three", new RecordingGatewayObserver())]));

        _time.Advance(Expiry / 2);
        _subscriptions.Renew(_two, ["bob"]);
        _time.Advance(Expiry / 2);
        Assert.True(_subscriptions.LiveGatewaysAre([_two]));
        Assert.False(_subscriptions.LiveGatewaysAre([_one, _two]));
        Assert.True(new GatewaySubscriptions(_time, Expiry).LiveGatewaysAre([]));
    }

    [Fact]
    public void Removing_expired_entries_when_none_expired_changes_nothing()
    {
        _subscriptions.Add(_one, "alice");

        Assert.Empty(_subscriptions.RemoveExpired(_time.GetUtcNow()));
        Assert.Equal(1, _subscriptions.LiveCount);
    }

    [Fact]
    public void Renewing_replaces_the_set_and_an_empty_renewal_drops_the_gateway()
    {
        _subscriptions.Add(_one, "alice");
        _subscriptions.Renew(_one, ["alice"]);
        _subscriptions.Renew(_one, ["bob"]);
        Assert.False(_subscriptions.IsLive("alice"));
        Assert.True(_subscriptions.IsLive("bob"));

        _subscriptions.Renew(_one, []);
        Assert.Equal(0, _subscriptions.Count);
    }

    [Fact]
    public void A_member_added_after_the_gateways_snapshot_survives_that_renewal_and_the_next_one_decides()
    {
        _subscriptions.Add(_one, "alice");
        _subscriptions.Renew(_one, ["alice"]);

        _subscriptions.Add(_one, "bob"); // bob joins while a renewal listing only alice is on its way
        _subscriptions.Renew(_one, ["alice"]);
        Assert.True(_subscriptions.IsLive("bob"));

        // The next renewal is authoritative: had bob's leave been lost, it is repaired now.
        _subscriptions.Renew(_one, ["alice"]);
        Assert.False(_subscriptions.IsLive("bob"));
    }

    [Fact]
    public void A_member_removed_after_the_gateways_snapshot_is_not_brought_back_by_it_even_when_it_was_the_last()
    {
        _subscriptions.Add(_one, "alice");
        _subscriptions.Add(_one, "bob");
        _subscriptions.Renew(_one, ["alice", "bob"]);

        _subscriptions.Remove("one", "bob");
        _subscriptions.Renew(_one, ["alice", "bob"]); // the snapshot predates bob's leave
        Assert.False(_subscriptions.IsLive("bob"));
        Assert.True(_subscriptions.IsLive("alice"));

        // The last member leaves: the gateway is no longer notified nor counted, and the stale renewal that
        // still lists alice does not resurrect it.
        _subscriptions.Remove("one", "alice");
        Assert.Equal(0, _subscriptions.Count);
        Assert.Equal(0, _subscriptions.LiveCount);
        Assert.Empty(_subscriptions.LiveObservers);
        Assert.True(_subscriptions.LiveGatewaysAre([]));

        _subscriptions.Renew(_one, ["alice"]);
        Assert.False(_subscriptions.AnyLive);
        Assert.Equal(0, _subscriptions.Count);
    }

    [Fact]
    public void An_emptied_entry_that_expires_reports_no_gateway()
    {
        _subscriptions.Add(_one, "alice");
        _subscriptions.Remove("one", "alice");
        _time.Advance(Expiry);

        Assert.Empty(_subscriptions.RemoveExpired(_time.GetUtcNow()));
        _subscriptions.Add(_one, "alice"); // a fresh start, not a revival of the emptied entry's past
        Assert.True(_subscriptions.IsLive("alice"));
    }

    private sealed class ManualTimeProvider : TimeProvider
    {
        private DateTimeOffset _now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

        public override DateTimeOffset GetUtcNow() => _now;

        public void Advance(TimeSpan by) => _now += by;
    }
}
