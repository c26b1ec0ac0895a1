using System.Diagnostics.Metrics;

namespace OrleansChat.Grains;

/// <summary>The grains' instruments: fan-out calls to gateways, so the cost of a message is visible as O(gateways).</summary>
public static class ChatMetrics
{
    public const string MeterName = "OrleansChat";

    private static readonly Meter Meter = new(MeterName);

    /// <summary>One per call a grain makes on a gateway observer.</summary>
    public static readonly Counter<long> FanOutCalls = Meter.CreateCounter<long>("orleanschat.fanout.calls", unit: "{call}");
}
