namespace OrleansChat.Gateway.Sockets;

/// <summary>
/// When to renew which of this gateway's registrations with the grains: each one once per period, spread over the
/// period in slices (one slice per tick of at least 250 ms, at most 120 slices), so that a gateway holding N users
/// makes about N / slices grain calls per tick instead of N at once. A burst of N calls stalls every socket on the
/// gateway for its length; right after a start it is also a burst of first-time JIT compilation (the big-room
/// benchmark's first renewal, 1,000 calls, landed in its low-rate steps).
/// </summary>
public sealed class RenewalSchedule
{
    private static readonly TimeSpan ShortestTick = TimeSpan.FromMilliseconds(250);

    private int _next;

    public RenewalSchedule(TimeSpan period)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(period, TimeSpan.Zero);
        Slices = MostSlicesWithin((int)Math.Min(period / ShortestTick, RenewalSlice.Buckets));
        Tick = period / Slices;
    }

    public int Slices { get; }

    public TimeSpan Tick { get; }

    /// <summary>The slice due at this tick; any <see cref="Slices"/> ticks in a row cover every key exactly once.</summary>
    public RenewalSlice Next()
    {
        var slice = new RenewalSlice(_next, Slices);
        _next = (_next + 1) % Slices;
        return slice;
    }

    /// <summary>The largest divisor of the bucket count up to <paramref name="limit"/>: every slice then holds as many buckets.</summary>
    private static int MostSlicesWithin(int limit)
    {
        var slices = Math.Max(limit, 1);
        while (RenewalSlice.Buckets % slices != 0)
        {
            slices--;
        }

        return slices;
    }
}

/// <summary>
/// Part <paramref name="Index"/> of <paramref name="Count"/> disjoint parts of the keys (user ids, room names). A key
/// falls in one of <see cref="Buckets"/> buckets by string hash, fixed for its life, so that the registry can keep
/// its keys sorted by bucket and a tick reads only its own; a slice is every bucket whose number modulo
/// <paramref name="Count"/> is <paramref name="Index"/>. The hash is seeded per process, which is enough: only this
/// process's schedule and registry use it.
/// </summary>
public readonly record struct RenewalSlice(int Index, int Count)
{
    public const int Buckets = 120;

    public static int BucketOf(string key) => (int)((uint)StringComparer.Ordinal.GetHashCode(key) % Buckets);
}
