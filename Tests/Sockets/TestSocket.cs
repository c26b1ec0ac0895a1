using System.Net.WebSockets;
using System.Text;
using OrleansChat.Gateway.Sockets;
using OrleansChat.Model;
using OrleansChat.Tests.Infrastructure;

namespace OrleansChat.Tests.Sockets;

/// <summary>A frame handler for connections whose received frames do not matter.</summary>
internal sealed class IgnoreFrames : IFrameHandler
{
    public ValueTask OnMessageAsync(WebSocketMessageType type, ReadOnlyMemory<byte> payload) => ValueTask.CompletedTask;
}

/// <summary>A server-side WebSocket over a stream that records what is written and never receives anything.</summary>
internal sealed class TestSocket : IDisposable
{
    private readonly RecordingStream _stream;

    public TestSocket(bool slow, string user = "u")
    {
        _stream = new RecordingStream(slow);
        var socket = WebSocket.CreateFromStream(_stream, new WebSocketCreationOptions { IsServer = true, KeepAliveInterval = Timeout.InfiniteTimeSpan });
        Connection = new ClientConnection(Guid.NewGuid().ToString("N"), new UserProfile(user, user, null), socket, new SocketOptions(), TimeProvider.System);
    }

    public ClientConnection Connection { get; }

    /// <summary>Waits until each socket got as many frames as expected for it, then checks they are exactly those, in order.</summary>
    public static async Task AssertEachReceivedAsync(TestSocket[] sockets, Func<int, IReadOnlyList<string>> expectedFor)
    {
        for (var i = 0; i < sockets.Length; i++)
        {
            var expected = expectedFor(i);
            await Eventually.TrueAsync(() => Task.FromResult(sockets[i].Texts().Count >= expected.Count), $"socket {i} got all its frames");
            Assert.Equal(expected, sockets[i].Texts());
        }
    }

    /// <summary>Closes every socket, waits for their loops to end and disposes them.</summary>
    public static async Task CloseAllAsync(TestSocket[] sockets, Task[] running)
    {
        foreach (var socket in sockets)
        {
            socket.Connection.Close(WebSocketCloseStatus.NormalClosure, "done", flush: false);
        }

        await Task.WhenAll(running).WaitAsync(TimeSpan.FromSeconds(10));
        Array.ForEach(sockets, s => s.Dispose());
    }

    public void Dispose()
    {
        Connection.Dispose();
        _stream.Dispose();
    }

    /// <summary>The text frames written so far (server frames are unmasked; these payloads are short).</summary>
    public List<string> Texts()
    {
        var bytes = _stream.Written();
        var texts = new List<string>();
        for (var at = 0; at + 2 <= bytes.Length;)
        {
            var length = bytes[at + 1] & 0x7F;
            if ((bytes[at] & 0x0F) == 0x1)
            {
                texts.Add(Encoding.UTF8.GetString(bytes, at + 2, length));
            }

            at += 2 + length;
        }

        return texts;
    }
}

internal sealed class RecordingStream(bool slow) : Stream
{
    private readonly MemoryStream _written = new();
    private readonly Lock _lock = new();
    private int _writes;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public byte[] Written()
    {
        lock (_lock)
        {
            return _written.ToArray();
        }
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (slow && Interlocked.Increment(ref _writes) % 5 == 0)
        {
            await Task.Yield(); // now and then a write completes later, like a socket under backpressure
        }

        lock (_lock)
        {
            _written.Write(buffer.Span);
        }
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        await Task.Delay(Timeout.Infinite, cancellationToken);
        return 0;
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override void Flush()
    {
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();
}
