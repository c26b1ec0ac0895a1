namespace OrleansChat.Gateway.Protocol;

/// <summary>
/// The grain references one connection has used lately, by key. Orleans 10's <c>GetGrain</c> looks the grain
/// interface up by reflection on every call (an allocation profile of private messages showed it, with the key
/// building, at ~5 % of the bytes allocated per send); a user talks to a handful of peers and rooms, so the
/// references are kept. Not thread-safe: a connection handles its frames one at a time.
/// </summary>
public sealed class RecentGrains<TGrain>(Func<string, TGrain> create, int capacity = RecentGrains<TGrain>.DefaultCapacity)
    where TGrain : IGrain
{
    public const int DefaultCapacity = 32;

    private readonly Dictionary<string, TGrain> _byKey = new(StringComparer.Ordinal);

    public int Count => _byKey.Count;

    public TGrain Get(string key)
    {
        if (_byKey.TryGetValue(key, out var grain))
        {
            return grain;
        }

        if (_byKey.Count >= capacity)
        {
            _byKey.Clear(); // references are cheap to rebuild: no LRU bookkeeping per frame
        }

        grain = create(key);
        _byKey.Add(key, grain);
        return grain;
    }
}
