using System.Numerics;

namespace OrleansChat.Gateway.Observability;

/// <summary>
/// A count that every core bumps on every frame: one slot per core, each on its own cache line, summed only when
/// read (once per metrics scrape). A plain metrics counter costs a pass through the metrics pipeline per frame,
/// ~1 % of the gateway's CPU in the big-room profile (<c>bench/cpu-split.sh</c>), and one shared field would bounce
/// its cache line between the cores.
/// </summary>
public sealed class StripedCounter
{
    private const int SlotStride = 64 / sizeof(long);

    private readonly long[] _slots;
    private readonly int _mask;

    public StripedCounter()
    {
        var slots = (int)BitOperations.RoundUpToPowerOf2((uint)Environment.ProcessorCount);
        _mask = slots - 1;
        _slots = new long[slots * SlotStride];
    }

    /// <summary>Atomic: threads on one core can still interleave.</summary>
    public void Increment() => Add(1);

    public void Add(long count) => Interlocked.Add(ref _slots[(Thread.GetCurrentProcessorId() & _mask) * SlotStride], count);

    public long Sum
    {
        get
        {
            var sum = 0L;
            for (var slot = 0; slot < _slots.Length; slot += SlotStride)
            {
                sum += Volatile.Read(ref _slots[slot]);
            }

            return sum;
        }
    }
}
