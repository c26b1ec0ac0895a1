using System.Net;
using System.Net.Sockets;

namespace OrleansChat.Tests.Sockets.Transport;

/// <summary>Both ends of a real TCP connection on 127.0.0.1, with small kernel buffers so that a stalled reader backs writes up quickly.</summary>
internal sealed class LoopbackPair : IDisposable
{
    private const int SmallBuffer = 8 * 1024;

    private LoopbackPair(Socket server, Socket client) => (Server, Client) = (server, client);

    public Socket Server { get; }

    public Socket Client { get; }

    public static async Task<LoopbackPair> OpenAsync()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = SmallBuffer };
        var accepting = listener.AcceptAsync();
        await client.ConnectAsync(listener.LocalEndPoint!);
        var server = await accepting;
        server.SendBufferSize = SmallBuffer;
        return new LoopbackPair(server, client);
    }

    /// <summary>Reads exactly <paramref name="count"/> bytes from the client end.</summary>
    public async Task<byte[]> ReadAsync(int count)
    {
        var bytes = new byte[count];
        for (var read = 0; read < count;)
        {
            var n = await Client.ReceiveAsync(bytes.AsMemory(read), SocketFlags.None).AsTask().WaitAsync(TimeSpan.FromSeconds(30));
            Assert.True(n > 0, $"the connection ended after {read} of {count} bytes");
            read += n;
        }

        return bytes;
    }

    public void Dispose()
    {
        Server.Dispose();
        Client.Dispose();
    }
}
