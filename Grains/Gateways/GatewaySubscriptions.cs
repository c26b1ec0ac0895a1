namespace OrleansChat.Grains.Gateways;

/// <summary>A gateway dropped because it was not renewed in time, with the members it listed.</summary>
public sealed record ExpiredGateway(string GatewayId, IReadOnlyCollection<string> Members);

/// <summary>
/// Which gateways a grain pushes to, and for whom: per gateway id its observer, a set of member ids (a room's
/// online users there, or a user's connection ids) and when it was last seen. An entry not seen within the
/// expiry is dead: it is never notified and <see cref="RemoveExpired"/> drops it. Like Orleans'
/// <c>ObserverManager</c>, with a payload. Not thread-safe: a grain's turns call it one at a time.
/// <para>
/// A renewal states the gateway's set as of a snapshot the gateway took before sending it, so an add or a remove
/// the grain handled meanwhile may be missing from it. Each entry therefore remembers the adds and removes since
/// its last renewal and re-applies them over the next one: a join racing a renewal stays online, a disconnect
/// racing one stays gone (an entry whose last member left is kept, empty, until then). The renewal after that one
/// is authoritative, so a lost add or remove is still repaired within two renewal periods.
/// </para>
/// </summary>
public sealed class GatewaySubscriptions(TimeProvider time, TimeSpan expiry)
{
    private readonly Dictionary<string, Entry> _gateways = new(StringComparer.Ordinal);

    /// <summary>Every gateway with at least one member, live or not yet removed.</summary>
    public int Count => _gateways.Values.Count(e => e.Members.Count > 0);

    /// <summary>The observers of the gateways seen within the expiry: the ones to notify.</summary>
    public IReadOnlyList<IGatewayObserver> LiveObservers => [.. LiveEntries().Select(e => e.Observer)];

    /// <summary>The gateways seen within the expiry, as grains address them.</summary>
    public IReadOnlyList<GatewayRef> LiveGateways => [.. LiveEntries().Select(e => new GatewayRef(e.GatewayId, e.Observer))];

    public int LiveCount => CountLive(time.GetUtcNow());

    /// <summary>
    /// Whether the live gateways are exactly <paramref name="gateways"/> (by id). Asked on every renewal, so it builds
    /// nothing: a user grain is renewed every 30 s by each gateway holding it, and its answer is nearly always yes.
    /// </summary>
    public bool LiveGatewaysAre(IReadOnlyList<GatewayRef> gateways)
    {
        var now = time.GetUtcNow();
        if (CountLive(now) != gateways.Count)
        {
            return false;
        }

        for (var i = 0; i < gateways.Count; i++) // by index: foreach over the interface would box its enumerator
        {
            if (!_gateways.TryGetValue(gateways[i].GatewayId, out var entry) || !IsNotified(entry, now))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Whether any live gateway lists <paramref name="member"/>.</summary>
    public bool IsLive(string member) => LiveEntries().Any(e => e.Members.Contains(member));

    /// <summary>Every member some live gateway lists (room presence: at most once a second, in rooms of bounded size).</summary>
    public HashSet<string> LiveMembers() => LiveEntries().SelectMany(e => e.Members).ToHashSet(StringComparer.Ordinal);

    /// <summary>Whether any live gateway lists any member.</summary>
    public bool AnyLive => LiveEntries().Any();

    /// <summary>Adds a member to a gateway (a sign of life: refreshes its observer and last-seen).</summary>
    public void Add(GatewayRef gateway, string member)
    {
        var entry = Touch(gateway);
        entry.Members.Add(member);
        entry.Changed(member, present: true);
    }

    /// <summary>Removes a member from a gateway; a gateway left with none is no longer notified.</summary>
    public void Remove(string gatewayId, string member)
    {
        if (_gateways.TryGetValue(gatewayId, out var entry) && entry.Members.Remove(member))
        {
            entry.Changed(member, present: false); // kept until the next renewal, which must not bring it back
        }
    }

    /// <summary>Removes a member from every gateway.</summary>
    public void RemoveEverywhere(string member)
    {
        foreach (var gatewayId in _gateways.Keys.ToList())
        {
            Remove(gatewayId, member);
        }
    }

    /// <summary>
    /// The gateway's periodic renewal: <paramref name="members"/> replaces its set, except for the adds and removes
    /// made since the previous renewal, which may postdate the gateway's snapshot; a set left empty drops it.
    /// </summary>
    public void Renew(GatewayRef gateway, IEnumerable<string> members)
    {
        var entry = Touch(gateway);
        entry.Members.Clear();
        entry.Members.UnionWith(members);
        entry.ReapplyChangesSinceRenewal();
        if (entry.Members.Count == 0)
        {
            _gateways.Remove(gateway.GatewayId);
        }
    }

    /// <summary>Drops every gateway not seen within the expiry before <paramref name="now"/>, and says which.</summary>
    public IReadOnlyList<ExpiredGateway> RemoveExpired(DateTimeOffset now)
    {
        List<Entry>? expired = null; // asked on every renewal, whose usual answer is none: allocate nothing for it
        foreach (var entry in _gateways.Values)
        {
            if (!IsLive(entry, now))
            {
                (expired ??= []).Add(entry);
            }
        }

        if (expired is null)
        {
            return [];
        }

        foreach (var entry in expired)
        {
            _gateways.Remove(entry.GatewayId);
        }

        return [.. expired.Where(e => e.Members.Count > 0).Select(e => new ExpiredGateway(e.GatewayId, [.. e.Members]))];
    }

    private Entry Touch(GatewayRef gateway)
    {
        if (!_gateways.TryGetValue(gateway.GatewayId, out var entry))
        {
            entry = new Entry(gateway.GatewayId);
            _gateways.Add(gateway.GatewayId, entry);
        }

        entry.Observer = gateway.Observer;
        entry.LastSeen = time.GetUtcNow();
        return entry;
    }

    private IEnumerable<Entry> LiveEntries()
    {
        var now = time.GetUtcNow();
        return _gateways.Values.Where(e => IsNotified(e, now));
    }

    private bool IsLive(Entry entry, DateTimeOffset now) => now - entry.LastSeen < expiry;

    /// <summary>Live and listing someone: an entry emptied since its last renewal is kept but not notified.</summary>
    private bool IsNotified(Entry entry, DateTimeOffset now) => entry.Members.Count > 0 && IsLive(entry, now);

    private int CountLive(DateTimeOffset now)
    {
        var live = 0;
        foreach (var entry in _gateways.Values)
        {
            live += IsNotified(entry, now) ? 1 : 0;
        }

        return live;
    }

    private sealed class Entry(string gatewayId)
    {
        public string GatewayId { get; } = gatewayId;

        public IGatewayObserver Observer { get; set; } = null!;

        public HashSet<string> Members { get; } = new(StringComparer.Ordinal);

        public DateTimeOffset LastSeen { get; set; }

        /// <summary>Adds (true) and removes (false) since the last renewal; made on the first, dropped at renewal.</summary>
        private Dictionary<string, bool>? _sinceRenewal;

        public void Changed(string member, bool present) => (_sinceRenewal ??= new(StringComparer.Ordinal))[member] = present;

        public void ReapplyChangesSinceRenewal()
        {
            if (_sinceRenewal is null)
            {
                return;
            }

            foreach (var (member, present) in _sinceRenewal)
            {
                _ = present ? Members.Add(member) : Members.Remove(member);
            }

            _sinceRenewal = null;
        }
    }
}
