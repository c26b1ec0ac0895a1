using System.Net.WebSockets;
using OrleansChat.Gateway.Sockets.Transport;

namespace OrleansChat.Tests.Sockets.Transport;

public sealed class WebSocketFrameTests
{
    [Theory]
    [InlineData(0, WebSocketMessageType.Text)]
    [InlineData(1, WebSocketMessageType.Binary)]
    [InlineData(125, WebSocketMessageType.Text)]
    [InlineData(126, WebSocketMessageType.Text)]
    [InlineData(65_535, WebSocketMessageType.Binary)]
    [InlineData(65_536, WebSocketMessageType.Text)]
    [InlineData(70_001, WebSocketMessageType.Binary)]
    public async Task A_frame_is_byte_for_byte_what_the_servers_WebSocket_writes(int length, WebSocketMessageType type)
    {
        var payload = Enumerable.Range(0, length).Select(i => (byte)(i * 7)).ToArray();
        using var written = new MemoryStream();
        using (var socket = WebSocket.CreateFromStream(written, new WebSocketCreationOptions { IsServer = true, KeepAliveInterval = Timeout.InfiniteTimeSpan }))
        {
            await socket.SendAsync(payload, type, endOfMessage: true, CancellationToken.None);
        }

        var frame = new byte[WebSocketFrame.SizeOf(length)];
        Assert.Equal(frame.Length, WebSocketFrame.Write(frame, payload, type));
        Assert.Equal(written.ToArray(), frame);
    }

    [Fact]
    public void A_close_is_not_a_data_frame() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => WebSocketFrame.Write(new byte[16], [], WebSocketMessageType.Close));
}
