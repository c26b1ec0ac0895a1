using System.Net.WebSockets;

namespace OrleansChat.Gateway.Sockets.Transport;

/// <summary>
/// Where a connection's data frames go, in the order they are handed over: the connection's only send queue. It
/// holds what the peer has not taken yet, refuses more once a slow client has the capacity's worth waiting, and
/// sends the close frame after the frames it accepted.
/// </summary>
internal interface IFrameSink
{
    /// <summary>
    /// Takes the frames after everything taken before, without waiting. <paramref name="now"/>: send them on the
    /// caller's thread; else they may wait a moment for a flush that takes whatever else arrives meanwhile.
    /// </summary>
    FrameWrite Write(ReadOnlySpan<OutboundFrame> frames, bool now);

    /// <summary>
    /// Refuses data frames from now on and sends the close frame after the ones accepted (without
    /// <paramref name="flush"/>, after those already on their way only, where the sink can tell them apart).
    /// Throws when the socket fails.
    /// </summary>
    Task CloseAsync(WebSocketCloseStatus status, string reason, bool flush, CancellationToken abort);
}
