using System.Diagnostics.Metrics;

namespace OrleansChat.Grains;

/// <summary>The grains' instruments: fan-out calls to gateways, so the cost of a message is visible as O(gateways).</summary>
public static class ChatMetrics
{
    public const string MeterName = "OrleansChat";
    public const string FanOutCallsName = "orleanschat.fanout.calls";

    /// <summary>The tag telling what a fan-out call delivered: <c>room</c>, <c>dm</c>, <c>user</c> or <c>membership</c>.</summary>
    public const string KindTag = "kind";

    private static readonly Meter Meter = new(MeterName);

    private static readonly Counter<long> FanOutCalls = Meter.CreateCounter<long>(FanOutCallsName, unit: "{call}");

    public const string GroupCommitBatchSizeName = "orleanschat.messagelog.batch.size";
    public const string GroupCommitDurationName = "orleanschat.messagelog.batch.duration";

    private static readonly Histogram<int> GroupCommitBatchSize = Meter.CreateHistogram<int>(GroupCommitBatchSizeName, unit: "{message}");

    private static readonly Histogram<double> GroupCommitDuration = Meter.CreateHistogram<double>(GroupCommitDurationName, unit: "ms");

    /// <summary>Counts one call a grain makes on a gateway observer.</summary>
    public static void FanOutCall(string kind) => FanOutCalls.Add(1, new KeyValuePair<string, object?>(KindTag, kind));

    /// <summary>Records one batch a commit lane wrote: how many messages went together, and how long the write took.</summary>
    public static void GroupCommit(int messages, TimeSpan duration)
    {
        GroupCommitBatchSize.Record(messages);
        GroupCommitDuration.Record(duration.TotalMilliseconds);
    }
}
