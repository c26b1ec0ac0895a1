using System.Buffers;
using System.Net.WebSockets;

namespace OrleansChat.Gateway.Sockets.Transport;

/// <summary>
/// Frames written as bytes straight to a plaintext HTTP/1.1 connection's <see cref="SocketOutput"/> (RFC 6455's
/// header by hand, <see cref="WebSocketFrame"/>), several in one write when several are handed over at once. The
/// output's queue is the send queue; the WebSocket's close frame reaches the same output through Kestrel, after them.
/// </summary>
internal sealed class DirectFrameSink(SocketOutput output, WebSocket socket, int capacity) : IFrameSink
{
    public FrameWrite Write(ReadOnlySpan<OutboundFrame> frames, bool now)
    {
        var size = 0;
        foreach (var frame in frames)
        {
            size += WebSocketFrame.SizeOf(frame.Payload.Length);
        }

        var buffer = ArrayPool<byte>.Shared.Rent(size);
        try
        {
            var written = 0;
            foreach (var frame in frames)
            {
                written += WebSocketFrame.Write(buffer.AsSpan(written), frame.Payload.Span, frame.Type);
            }

            return output.WriteFrames(buffer.AsSpan(0, written), frames.Length, now, capacity); // copies what it does not send at once
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Frames accepted stay queued even without flush: one may be half sent, and a cut frame would garble the close.</summary>
    public async Task CloseAsync(WebSocketCloseStatus status, string reason, bool flush, CancellationToken abort)
    {
        output.EndFrames();
        if (socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
        {
            await socket.CloseOutputAsync(status, reason, abort);
        }
    }
}
