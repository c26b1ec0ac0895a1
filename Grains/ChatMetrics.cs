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

    /// <summary>Counts one call a grain makes on a gateway observer.</summary>
    public static void FanOutCall(string kind) => FanOutCalls.Add(1, new KeyValuePair<string, object?>(KindTag, kind));
}
