using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.WebSockets;
using HdrHistogram;

namespace OrleansChat.Bench;

/// <summary>Counters shared by every client: deliveries and latency per rate step, errors, closes, pongs.</summary>
internal sealed class Metrics
{
    public const int MaxSteps = 64;
    private const long MaxLatencyMicros = 120_000_000;

    /// <summary>The timeline's resolution: the slowest delivery of the sends due in each quarter second.</summary>
    public static readonly long SliceTicks = Stopwatch.Frequency / 4;

    private const int Slices = 8192; // 34 minutes of quarter seconds

    private readonly long _origin = Stopwatch.GetTimestamp();
    private readonly long[] _sliceMaxMicros = new long[Slices];
    private readonly long[] _delivered = new long[MaxSteps];
    private readonly LongConcurrentHistogram[] _latency = new LongConcurrentHistogram[MaxSteps];
    private readonly ConcurrentDictionary<string, int> _closes = new(StringComparer.Ordinal);
    private string? _firstSendError;

    public long SendFailures;
    public long SendErrors;
    public long Pongs;

    /// <summary>Every frame received by every client (announcements included).</summary>
    public long Frames;
    public long ClosedCount;

    public Metrics()
    {
        for (var i = 0; i < MaxSteps; i++)
        {
            _latency[i] = new LongConcurrentHistogram(1, MaxLatencyMicros, 3);
        }
    }

    public string? FirstSendError => _firstSendError;

    public IReadOnlyDictionary<string, int> Closes => _closes;

    /// <summary>Forgets a step's deliveries and latencies (a warm-up step index used again).</summary>
    public void Reset(int step)
    {
        Interlocked.Exchange(ref _delivered[step], 0);
        _latency[step].Reset();
    }

    public void Delivered(int step, long dueAt, long receivedAt)
    {
        if ((uint)step >= MaxSteps)
        {
            return;
        }

        Interlocked.Increment(ref _delivered[step]);
        var micros = Math.Clamp((receivedAt - dueAt) * 1_000_000 / Stopwatch.Frequency, 1, MaxLatencyMicros);
        _latency[step].RecordValue(micros);
        RecordSlice(dueAt, micros);
    }

    /// <summary>The slowest delivery (ms) of the sends due in the quarter second starting at <paramref name="dueAt"/>.</summary>
    public double SliceMaxMs(long dueAt) => SliceOf(dueAt) is var slice and >= 0 and < Slices ? Interlocked.Read(ref _sliceMaxMicros[slice]) / 1000.0 : 0;

    private long SliceOf(long dueAt) => (dueAt - _origin) / SliceTicks;

    private void RecordSlice(long dueAt, long micros)
    {
        var slice = SliceOf(dueAt);
        if (slice is < 0 or >= Slices)
        {
            return;
        }

        ref var max = ref _sliceMaxMicros[slice];
        for (var seen = Interlocked.Read(ref max); micros > seen; seen = Interlocked.Read(ref max))
        {
            if (Interlocked.CompareExchange(ref max, micros, seen) == seen)
            {
                return;
            }
        }
    }

    public long DeliveredIn(int step) => Interlocked.Read(ref _delivered[step]);

    public HistogramBase LatencyOf(int step) => _latency[step];

    public void SendError(string frame)
    {
        Interlocked.Increment(ref SendErrors);
        Interlocked.CompareExchange(ref _firstSendError, frame, null);
    }

    public void Closed(WebSocketCloseStatus? status, string? description)
    {
        Interlocked.Increment(ref ClosedCount);
        var key = string.Create(CultureInfo.InvariantCulture, $"{(int?)status ?? 1006} {description}");
        _closes.AddOrUpdate(key, 1, (_, n) => n + 1);
    }
}

/// <summary>CPU seconds and RSS of a process, from /proc.</summary>
internal static class ProcStats
{
    private static readonly double TicksPerSecond = 100.0; // USER_HZ on Linux

    public static double CpuSeconds(int pid)
    {
        try
        {
            var fields = StatFields(pid);
            // After "pid (comm) ": field 3 is state at index 0, so utime (14) is index 11 and stime (15) index 12.
            return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / TicksPerSecond;
        }
        catch (IOException)
        {
            return double.NaN;
        }
    }

    /// <summary>Summed over several processes (every silo and gateway of the cluster shape).</summary>
    public static double CpuSeconds(int[] pids) => pids.Sum(p => CpuSeconds(p));

    public static long RssKb(int[] pids) => pids.Sum(p => RssKb(p));

    /// <summary>
    /// CPU seconds of a process and of its children, living and exited: a database server forks a process per
    /// connection, and an exited child's time is added to its parent's cutime/cstime once reaped.
    /// </summary>
    public static double TreeCpuSeconds(int pid)
    {
        if (pid == 0)
        {
            return 0;
        }

        double total = 0;
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var child))
            {
                continue;
            }

            try
            {
                var fields = StatFields(child);
                if (child == pid || fields[1] == pid.ToString(CultureInfo.InvariantCulture))
                {
                    // utime, stime, cutime, cstime: indexes 11-14 (fields 14-17).
                    total += Enumerable.Range(11, 4).Sum(i => long.Parse(fields[i], CultureInfo.InvariantCulture)) / TicksPerSecond;
                }
            }
            catch (IOException)
            {
                // Exited while we looked: its time is in the parent's cutime by now or soon.
            }
        }

        return total;
    }

    private static string[] StatFields(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        return stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
    }

    /// <summary>Busy CPU seconds of the whole machine (all cores, from /proc/stat): minus server and client = other load.</summary>
    public static double MachineBusySeconds()
    {
        try
        {
            var cpu = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries);
            long busy = 0;
            for (var i = 1; i < cpu.Length && i <= 8; i++)
            {
                if (i is not 4 and not 5) // idle, iowait
                {
                    busy += long.Parse(cpu[i], CultureInfo.InvariantCulture);
                }
            }

            return busy / TicksPerSecond;
        }
        catch (IOException)
        {
            return double.NaN;
        }
    }

    public static string LoadAverage()
    {
        try
        {
            return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "?";
        }
    }

    public static long RssKb(int pid)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    return long.Parse(line.AsSpan(6).Trim().ToString().Split(' ')[0], CultureInfo.InvariantCulture);
                }
            }
        }
        catch (IOException)
        {
        }

        return -1;
    }
}
