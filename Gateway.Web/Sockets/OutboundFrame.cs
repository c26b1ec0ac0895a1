using System.Net.WebSockets;

namespace OrleansChat.Gateway.Sockets;

/// <summary>One WebSocket data frame as it goes on the wire: a JSON text frame, or a sealed binary one.</summary>
public readonly record struct OutboundFrame(ReadOnlyMemory<byte> Payload, WebSocketMessageType Type);
