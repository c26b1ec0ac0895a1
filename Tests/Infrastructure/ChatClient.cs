using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using OrleansChat.Protocol;

namespace OrleansChat.Tests.Infrastructure;

/// <summary>One frame the server sent, parsed.</summary>
public sealed record Frame(string Type, string? Re, JsonElement Json)
{
    public string Str(string name) => Json.GetProperty(name).GetString()!;

    public long Number(string name) => Json.GetProperty(name).GetInt64();

    public bool Has(string name) => Json.TryGetProperty(name, out _);

    public override string ToString() => Json.GetRawText();
}

/// <summary>
/// A protocol v1 test client over a real <see cref="ClientWebSocket"/>: records every frame the server sends and
/// lets a test wait for one with a deadline.
/// </summary>
public sealed class ChatClient : IAsyncDisposable
{
    private readonly ClientWebSocket _socket;
    private readonly List<Frame> _received = [];
    private readonly Lock _lock = new();
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly TaskCompletionSource<WebSocketCloseStatus?> _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _stop = new();
    private Task _receiveLoop = Task.CompletedTask;
    private int _nextId;

    private ChatClient(ClientWebSocket socket) => _socket = socket;

    public IReadOnlyList<Frame> Received
    {
        get
        {
            lock (_lock)
            {
                return [.. _received];
            }
        }
    }

    /// <summary>Completes with the server's close status when the server closes the connection (null: dropped without one).</summary>
    public Task<WebSocketCloseStatus?> Closed => _closed.Task;

    /// <summary>Raised on the receive loop for every frame, as it arrives (for timing live deliveries).</summary>
    public event Action<Frame>? FrameReceived;

    public string? CloseDescription { get; private set; }

    /// <summary>The sub-protocol the server selected at the upgrade, if any.</summary>
    public string? SubProtocol => _socket.SubProtocol;

    /// <summary>
    /// Turns a binary frame into the JSON it carries (an encrypted session's decryption). Without one, binary frames
    /// are recorded as frames of type <c>binary</c>; a frame it rejects (throws for) as <c>undecryptable</c>.
    /// </summary>
    public Func<byte[], byte[]>? BinaryDecoder { get; set; }

    public static async Task<ChatClient> ConnectAsync(Uri uri, bool receive = true, Action<ClientWebSocketOptions>? configure = null)
    {
        var socket = new ClientWebSocket();
        configure?.Invoke(socket.Options);
        await socket.ConnectAsync(uri, CancellationToken.None);
        var client = new ChatClient(socket);
        if (receive)
        {
            client.StartReceiving();
        }

        return client;
    }

    public void StartReceiving() => _receiveLoop = Task.Run(ReceiveLoopAsync);

    public string NextId() => $"c{Interlocked.Increment(ref _nextId)}";

    public Task SendAsync(object frame) => SendRawAsync(JsonSerializer.Serialize(frame, ProtocolJson.Options));

    public Task SendRawAsync(string text) => SendBytesAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text);

    public async Task SendBytesAsync(byte[] payload, WebSocketMessageType type)
    {
        await _sendLock.WaitAsync();
        try
        {
            await _socket.SendAsync(payload, type, endOfMessage: true, CancellationToken.None);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    /// <summary>Sends a frame built around a fresh id and returns the reply that carries it (ack, error or data).</summary>
    public async Task<Frame> RequestAsync(Func<string, object> build, TimeSpan? timeout = null)
    {
        var id = NextId();
        await SendAsync(build(id));
        return await WaitForAsync(f => f.Re == id, timeout);
    }

    /// <summary>Like <see cref="RequestAsync"/> but fails the test unless the reply is not an error.</summary>
    public async Task<Frame> AckedAsync(Func<string, object> build)
    {
        var reply = await RequestAsync(build);
        Assert.True(reply.Type != "error", $"expected success, got {reply}");
        return reply;
    }

    /// <summary>Polls <c>room.members</c> until the room lists <paramref name="count"/> members (e.g. a silent client's join went through).</summary>
    public Task WaitForMemberCountAsync(string room, int count) =>
        Eventually.TrueAsync(async () =>
        {
            var members = await AckedAsync(id => new { type = "room.members", id, room });
            return members.Json.GetProperty("members").GetArrayLength() == count;
        }, $"room {room} has {count} members");

    public async Task<Frame> WaitForAsync(Func<Frame, bool> match, TimeSpan? timeout = null)
    {
        Frame? found = null;
        await Eventually.TrueAsync(() => (found = Find(match)) is not null || _closed.Task.IsCompleted, "an expected frame arrived", timeout);
        return found ?? Find(match) ?? throw new InvalidOperationException($"connection closed ({_closed.Task.Result}) before the expected frame; got: {string.Join("\n", Received)}");
    }

    public int Count(Func<Frame, bool> match)
    {
        lock (_lock)
        {
            return _received.Count(match);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_socket.State == WebSocketState.Open)
        {
            // Only the close frame goes out here: CloseAsync would also read, racing the receive loop's own
            // ReceiveAsync for the same bytes, and split server frames between the two readers.
            await _sendLock.WaitAsync();
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bye", timeout.Token);
                await _closed.Task.WaitAsync(timeout.Token);
            }
            catch (Exception e) when (e is WebSocketException or OperationCanceledException or TimeoutException)
            {
                // Already going away, or the server did not answer: the abort below ends it.
            }
            finally
            {
                _sendLock.Release();
            }
        }

        await _stop.CancelAsync();
        _socket.Abort();
        await _receiveLoop;
        _socket.Dispose();
        _stop.Dispose();
        _sendLock.Dispose();
    }

    /// <summary>Drops the TCP connection without a close handshake, as a phone losing signal would.</summary>
    public void Abort() => _socket.Abort();

    private Frame? Find(Func<Frame, bool> match)
    {
        lock (_lock)
        {
            return _received.FirstOrDefault(match);
        }
    }

    private async Task ReceiveLoopAsync()
    {
        var buffer = new byte[64 * 1024];
        var message = new MemoryStream();
        try
        {
            while (true)
            {
                var result = await _socket.ReceiveAsync(buffer, _stop.Token);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    CloseDescription = result.CloseStatusDescription;
                    _closed.TrySetResult(result.CloseStatus);
                    return;
                }

                message.Write(buffer, 0, result.Count);
                if (result.EndOfMessage)
                {
                    Record(message.ToArray(), result.MessageType);
                    message.SetLength(0);
                }
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
            CloseDescription ??= $"dropped: {e.GetType().Name}: {e.Message}";
            _closed.TrySetResult(null);
        }
    }

    private void Record(byte[] payload, WebSocketMessageType type)
    {
        if (type == WebSocketMessageType.Binary)
        {
            payload = Decode(payload);
        }

        using var document = JsonDocument.Parse(payload);
        var root = document.RootElement.Clone();
        var frame = new Frame(
            root.GetProperty("type").GetString()!,
            root.TryGetProperty("re", out var re) ? re.GetString() : null,
            root);
        lock (_lock)
        {
            _received.Add(frame);
        }

        FrameReceived?.Invoke(frame);
    }

    private byte[] Decode(byte[] binary)
    {
        if (BinaryDecoder is null)
        {
            return "{\"type\":\"binary\"}"u8.ToArray();
        }

        try
        {
            return BinaryDecoder(binary);
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            return "{\"type\":\"undecryptable\"}"u8.ToArray();
        }
    }
}
