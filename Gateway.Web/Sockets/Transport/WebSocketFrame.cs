using System.Buffers.Binary;
using System.Net.WebSockets;

namespace OrleansChat.Gateway.Sockets.Transport;

/// <summary>
/// A server's data frame (RFC 6455, 5.2): final, unmasked, one per message, with no extension, which is what
/// <see cref="WebSocket"/> writes when no compression is negotiated (the gateway negotiates none).
/// </summary>
public static class WebSocketFrame
{
    private const byte Final = 0x80;

    /// <summary>The frame's whole size for a payload of <paramref name="payloadLength"/> bytes.</summary>
    public static int SizeOf(int payloadLength) => HeaderSize(payloadLength) + payloadLength;

    /// <summary>Writes the frame into <paramref name="destination"/> (at least <see cref="SizeOf"/> bytes); returns its size.</summary>
    public static int Write(Span<byte> destination, ReadOnlySpan<byte> payload, WebSocketMessageType type)
    {
        destination[0] = (byte)(Final | type switch
        {
            WebSocketMessageType.Text => 0x1,
            WebSocketMessageType.Binary => 0x2,
            _ => throw new ArgumentOutOfRangeException(nameof(type), type, "only text and binary messages are data frames"),
        });
        var header = HeaderSize(payload.Length);
        switch (header)
        {
            case 2:
                destination[1] = (byte)payload.Length;
                break;
            case 4:
                destination[1] = 126;
                BinaryPrimitives.WriteUInt16BigEndian(destination[2..], (ushort)payload.Length);
                break;
            default:
                destination[1] = 127;
                BinaryPrimitives.WriteUInt64BigEndian(destination[2..], (ulong)payload.Length);
                break;
        }

        payload.CopyTo(destination[header..]);
        return header + payload.Length;
    }

    private static int HeaderSize(int payloadLength) => payloadLength switch
    {
        < 126 => 2,
        <= ushort.MaxValue => 4,
        _ => 10,
    };
}
