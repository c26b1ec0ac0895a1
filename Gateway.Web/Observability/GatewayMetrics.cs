using System.Diagnostics.Metrics;
using OrleansChat.Gateway.Sockets;
using OrleansChat.Protocol;

namespace OrleansChat.Gateway.Observability;

/// <summary>
/// The gateway's instruments, all on the "OrleansChat.Gateway" meter (exported at /metrics). Code records through
/// the methods below, never through the instruments, so names and units live here only.
/// </summary>
public sealed class GatewayMetrics
{
    public const string MeterName = "OrleansChat.Gateway";

    /// <summary>Open sockets per gateway; the gateway HPA scales on it (k8s/base/gateway-hpa.yaml), so the name is fixed.</summary>
    public const string ConnectionsInstrument = "orleanschat.gateway.connections";

    private readonly TimeProvider _time;
    private readonly StripedCounter _framesReceived = new();
    private readonly StripedCounter _framesSent = new();
    private readonly Counter<long> _messagesAccepted;
    private readonly Histogram<double> _fanOutLatency;
    private readonly Counter<long> _sendQueueOverflows;
    private readonly Counter<long> _rateLimitRejections;
    private readonly Counter<long> _connectsRefused;

    public GatewayMetrics(IMeterFactory meters, ConnectionRegistry registry, TimeProvider time)
    {
        _time = time;
        var meter = meters.Create(MeterName);
        meter.CreateObservableUpDownCounter(ConnectionsInstrument, () => registry.ConnectionCount, "{connection}", "WebSocket connections open on this gateway");
        meter.CreateObservableCounter("orleanschat.gateway.frames.received", () => _framesReceived.Sum, "{frame}", "WebSocket messages received from clients");
        meter.CreateObservableCounter("orleanschat.gateway.frames.sent", () => _framesSent.Sum, "{frame}", "WebSocket messages handed to clients' connections (sent, or queued behind what the client has not read yet)");
        _messagesAccepted = meter.CreateCounter<long>("orleanschat.gateway.messages.accepted", "{message}", "room.send and dm.send acknowledged (first time, not resends)");
        _fanOutLatency = meter.CreateHistogram<double>(
            "orleanschat.gateway.fanout.latency", "ms", "From the grain's timestamp on a message to its enqueueing on this gateway's sockets",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000] });
        _sendQueueOverflows = meter.CreateCounter<long>("orleanschat.gateway.send_queue.overflows", "{connection}", "Connections closed with 1013 (try again later) because their send queue (Sockets:SendQueueCapacity frames) was full");
        _rateLimitRejections = meter.CreateCounter<long>("orleanschat.gateway.rate_limit.rejections", "{frame}", "Frames refused with rate_limited");
        _connectsRefused = meter.CreateCounter<long>("orleanschat.gateway.connects.refused", "{connect}", "Upgrades refused with 503 because the connect queue was full (Sockets:ConnectQueueLimit)");
    }

    public void FrameReceived() => _framesReceived.Increment();

    public void FramesSent(int count) => _framesSent.Add(count);

    public void MessageAccepted(string kind) => _messagesAccepted.Add(1, new KeyValuePair<string, object?>("kind", kind));

    /// <summary>A grain pushed <paramref name="frame"/> here: records how long since the grain stamped it (messages only).</summary>
    public void FannedOut(ServerFrame frame)
    {
        long? stamped = frame switch
        {
            RoomMessageEvent m => m.Ts,
            DmMessageEvent m => m.Ts,
            _ => null,
        };
        if (stamped is { } ts)
        {
            // Clocks of different hosts may disagree a little: a negative delay is clamped rather than dropped.
            _fanOutLatency.Record(Math.Max(0, _time.GetUtcNow().ToUnixTimeMilliseconds() - ts));
        }
    }

    public void SendQueueOverflowed() => _sendQueueOverflows.Add(1);

    public void ConnectRefused() => _connectsRefused.Add(1);

    /// <summary>For the rate limiter: call once per frame refused with <c>rate_limited</c>; <paramref name="limit"/> names the limit hit.</summary>
    public void RateLimitRejected(string limit) => _rateLimitRejections.Add(1, new KeyValuePair<string, object?>("limit", limit));
}
