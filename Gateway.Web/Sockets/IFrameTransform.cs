namespace OrleansChat.Gateway.Sockets;

/// <summary>
/// What a connection's outbound JSON frames become on the wire when they are not plain text frames (session
/// encryption). The <see cref="ConnectionWriter"/> calls it under its lock, one frame at a time, in the order the
/// frames leave, so a transform may keep state (a counter) without locking of its own.
/// </summary>
public interface IFrameTransform
{
    /// <summary>False: nothing to send for this frame now (held for later, or dropped).</summary>
    bool TryEncode(ReadOnlyMemory<byte> utf8Json, out OutboundFrame wire);
}
