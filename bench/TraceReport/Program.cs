using System.Globalization;
using Microsoft.Diagnostics.Tracing;
using Microsoft.Diagnostics.Tracing.Analysis;
using TraceLog = Microsoft.Diagnostics.Tracing.Etlx.TraceLog;
using Microsoft.Diagnostics.Tracing.Analysis.GC;
using Microsoft.Diagnostics.Tracing.Etlx;
using Microsoft.Diagnostics.Tracing.Parsers.Clr;

// Reads a GC trace (dotnet-trace collect --providers Microsoft-Windows-DotNETRuntime:0x1:5) and prints what sets
// the GC's cost: every GC with its pause, promoted bytes and mark time by root kind, then the sampled allocations
// (one GCAllocationTick per ~100 KB) by type, by the first OrleansChat/Orleans frame that allocated, and by stack.
// With "jit" first, reads a JIT trace (keyword 0x10 at level 5) instead: methods compiled per second, and in a
// window of seconds, by tier and type, to see what first-time or tier-up compilation lands inside a measured step.
if (args.Length == 0)
{
    Console.Error.WriteLine("usage: TraceReport <gc.nettrace> [stack depth (default 12)]\n       TraceReport jit <jit.nettrace> [from s] [to s]");
    return 2;
}

CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
if (args[0] == "jit")
{
    ReportJit(args[1], args.Length > 2 ? double.Parse(args[2], CultureInfo.InvariantCulture) : 0, args.Length > 3 ? double.Parse(args[3], CultureInfo.InvariantCulture) : double.MaxValue);
    return 0;
}

var depth = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 12;
ReportCollections(args[0]);
ReportAllocations(args[0], depth);
return 0;

static void ReportCollections(string path)
{
    using var source = new EventPipeEventSource(path);
    source.NeedLoadedDotNetRuntimes();
    source.Process();
    Console.WriteLine("=== collections (pause ms, promoted MB, gen0 budget MB; mark ms per heap: stack / older generations (cards) / handles)");
    foreach (var process in source.Processes())
    {
        foreach (var gc in process.LoadedDotNetRuntime()?.GC.GCs ?? [])
        {
            Console.WriteLine($"#{gc.Number,-4} at {gc.PauseStartRelativeMSec / 1000,6:F1} s  gen{gc.Generation} {gc.Type,-16} " +
                $"pause {gc.PauseDurationMSec,6:F1}  promoted {gc.PromotedMB,6:F1}  gen0 {gc.GenSizeBeforeMB[(int)Gens.Gen0],5:F0}  {MarkTimes(gc)}");
        }
    }
}

static void ReportJit(string path, double fromSeconds, double toSeconds)
{
    var perSecond = new SortedDictionary<int, int>();
    var inWindow = new Dictionary<string, long>();
    var windowCount = 0L;
    using (var source = new EventPipeEventSource(path))
    {
        source.Clr.MethodLoadVerbose += e =>
        {
            var at = e.TimeStampRelativeMSec / 1000;
            perSecond[(int)at] = perSecond.GetValueOrDefault((int)at) + 1;
            if (at >= fromSeconds && at < toSeconds)
            {
                Tally(inWindow, $"{e.OptimizationTier,-26} {Shorten(e.MethodNamespace)}", 1);
                windowCount++;
            }
        };
        source.Process();
    }

    Console.WriteLine("=== methods compiled per second of the trace: " + string.Join(" ", perSecond.Select(kv => $"{kv.Key}s:{kv.Value}")));
    Print($"{windowCount} compiled from {fromSeconds} s to {toSeconds} s, by tier and type", inWindow, Math.Max(1, windowCount), 40);
}

static string MarkTimes(TraceGC gc) => gc.PerHeapMarkTimes is null ? "" : string.Join("  ", gc.PerHeapMarkTimes
    .OrderBy(h => h.Key)
    .Select(h => $"h{h.Key} {h.Value.MarkTimes[(int)MarkRootType.MarkStack]:F1}/{h.Value.MarkTimes[(int)MarkRootType.MarkOlder]:F1}/{h.Value.MarkTimes[(int)MarkRootType.MarkHandles]:F1}"));

static void ReportAllocations(string path, int depth)
{
    var byType = new Dictionary<string, long>();
    var byOwner = new Dictionary<string, long>();
    var byStack = new Dictionary<string, long>();
    long total = 0;
    using (var log = new TraceLog(TraceLog.CreateFromEventPipeDataFile(path)))
    {
        foreach (var traceEvent in log.Events)
        {
            if (traceEvent is not GCAllocationTickTraceData e)
            {
                continue;
            }

            var frames = Frames(e.CallStack());
            var type = e.TypeName ?? "?";
            var owner = frames.FirstOrDefault(f => f.StartsWith("OrleansChat", StringComparison.Ordinal))
                ?? frames.FirstOrDefault(f => f.StartsWith("Orleans", StringComparison.Ordinal)) ?? frames.FirstOrDefault() ?? "?";
            Tally(byType, type, e.AllocationAmount64);
            Tally(byOwner, $"{type}  <=  {Shorten(owner)}", e.AllocationAmount64);
            Tally(byStack, type + string.Concat(frames.Take(depth).Select(f => "\n        " + Shorten(f))), e.AllocationAmount64);
            total += e.AllocationAmount64;
        }
    }

    Console.WriteLine($"=== allocations: {total / 1e6:F1} MB sampled");
    Print("by type", byType, total, 30);
    Print("by type and the first OrleansChat (else Orleans) frame", byOwner, total, 50);
    Print("by stack", byStack, total, 30);
}

static List<string> Frames(TraceCallStack? stack)
{
    var frames = new List<string>();
    for (; stack is not null && frames.Count < 64; stack = stack.Caller)
    {
        if (stack.CodeAddress.FullMethodName is { Length: > 0 } name)
        {
            frames.Add(name);
        }
    }

    return frames;
}

static void Tally(Dictionary<string, long> totals, string key, long bytes) => totals[key] = totals.GetValueOrDefault(key) + bytes;

static string Shorten(string frame) => frame.Length <= 160 ? frame : frame[..160];

static void Print(string title, Dictionary<string, long> totals, long total, int top)
{
    Console.WriteLine($"--- {title}");
    foreach (var (key, bytes) in totals.OrderByDescending(kv => kv.Value).Take(top))
    {
        Console.WriteLine($"{bytes * 100.0 / total,5:F1} %  {key}");
    }
}
