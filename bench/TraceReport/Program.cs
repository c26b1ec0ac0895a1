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
if (args.Length == 0)
{
    Console.Error.WriteLine("usage: TraceReport <gc.nettrace> [stack depth (default 12)]");
    return 2;
}

CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
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
