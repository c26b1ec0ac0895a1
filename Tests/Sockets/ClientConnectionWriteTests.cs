using System.Globalization;
using System.Net.WebSockets;
using System.Text;
using OrleansChat.Gateway.Sockets;
using OrleansChat.Model;
using OrleansChat.Tests.Infrastructure;

namespace OrleansChat.Tests.Sockets;

public sealed class ClientConnectionWriteTests
{
    [Fact]
    public async Task Every_socket_gets_every_frame_in_order_whether_it_is_written_inline_late_or_queued()
    {
        // Every third socket completes some writes late: those sends go pending, later frames queue behind them, and
        // the next ones must not overtake the queue once the pending send is done. Frames alternate between the
        // two write modes, as replies (inline) and room fan-outs (queued) do on a real socket.
        var sockets = Enumerable.Range(0, 30).Select(i => new TestSocket(slow: i % 3 == 0)).ToArray();
        var running = sockets.Select(s => s.Connection.RunAsync(new IgnoreFrames())).ToArray();

        const int Frames = 300;
        var producers = Enumerable.Range(0, 3).Select(p => Task.Run(async () =>
        {
            // Three producers, each over its own sockets: the order promised is per producer and socket.
            for (var n = 0; n < Frames; n++)
            {
                var payload = Encoding.UTF8.GetBytes(n.ToString(CultureInfo.InvariantCulture));
                foreach (var socket in sockets.Where((_, i) => i % 3 == p))
                {
                    socket.Connection.TryEnqueue(payload, n % 3 == 0 ? WriteMode.Queued : WriteMode.Inline);
                }

                if (n % 10 == 9)
                {
                    await Task.Delay(1); // paced, so frames keep arriving while late writes complete and queues drain
                }
            }
        })).ToArray();
        await Task.WhenAll(producers);

        var expected = Enumerable.Range(0, Frames).Select(n => n.ToString(CultureInfo.InvariantCulture)).ToList();
        for (var i = 0; i < sockets.Length; i++)
        {
            await Eventually.TrueAsync(() => Task.FromResult(sockets[i].Texts().Count >= expected.Count), $"socket {i} got all its frames");
            Assert.Equal(expected, sockets[i].Texts());
        }

        foreach (var socket in sockets)
        {
            socket.Connection.Close(WebSocketCloseStatus.NormalClosure, "done", flush: false);
        }

        await Task.WhenAll(running).WaitAsync(TimeSpan.FromSeconds(10));
        Array.ForEach(sockets, s => s.Dispose());
    }

    private sealed class IgnoreFrames : IFrameHandler
    {
        public ValueTask OnMessageAsync(WebSocketMessageType type, ReadOnlyMemory<byte> payload) => ValueTask.CompletedTask;
    }

    /// <summary>A server-side WebSocket over a stream that records what is written and never receives anything.</summary>
    private sealed class TestSocket : IDisposable
    {
        private readonly RecordingStream _stream;

        public TestSocket(bool slow)
        {
            _stream = new RecordingStream(slow);
            var socket = WebSocket.CreateFromStream(_stream, new WebSocketCreationOptions { IsServer = true, KeepAliveInterval = Timeout.InfiniteTimeSpan });
            Connection = new ClientConnection(Guid.NewGuid().ToString("N"), new UserProfile("u", "u", null), socket, new SocketOptions(), TimeProvider.System);
        }

        public ClientConnection Connection { get; }

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

    private sealed class RecordingStream(bool slow) : Stream
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
}
