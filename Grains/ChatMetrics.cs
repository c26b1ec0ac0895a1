using System.Diagnostics.Metrics;

namespace OrleansChat.Grains;

/// <summary>
/// The grains' instruments: fan-out calls to gateways, so the cost of a message is visible as O(gateways), and the
/// group commit's batches. One per silo, from the host's <see cref="IMeterFactory"/> like the gateway's metrics, so
/// each host (and each test silo) owns and disposes its meter.
/// </summary>
public sealed class ChatMetrics
{
    public const string MeterName = "OrleansChat";
    public const string FanOutCallsName = "orleanschat.fanout.calls";
    public const string GroupCommitBatchSizeName = "orleanschat.messagelog.batch.size";
    public const string GroupCommitDurationName = "orleanschat.messagelog.batch.duration";

    /// <summary>The tag telling what a fan-out call delivered: <c>room</c>, <c>dm</c>, <c>user</c> or <c>membership</c>.</summary>
    public const string KindTag = "kind";

    private readonly Counter<long> _fanOutCalls;
    private readonly Histogram<int> _groupCommitBatchSize;
    private readonly Histogram<double> _groupCommitDuration;

    public ChatMetrics(IMeterFactory meters)
    {
        ArgumentNullException.ThrowIfNull(meters);
        var meter = meters.Create(MeterName);
        _fanOutCalls = meter.CreateCounter<long>(FanOutCallsName, unit: "{call}");
        _groupCommitBatchSize = meter.CreateHistogram<int>(GroupCommitBatchSizeName, unit: "{message}");
        _groupCommitDuration = meter.CreateHistogram<double>(GroupCommitDurationName, unit: "ms");
    }

    /// <summary>Counts one call a grain makes on a gateway observer.</summary>
    public void FanOutCall(string kind) => _fanOutCalls.Add(1, new KeyValuePair<string, object?>(KindTag, kind));

    /// <summary>Records one batch a commit lane wrote: how many messages went together, and how long the write took.</summary>
    public void GroupCommit(int messages, TimeSpan duration)
    {
        _groupCommitBatchSize.Record(messages);
        _groupCommitDuration.Record(duration.TotalMilliseconds);
    }
}
