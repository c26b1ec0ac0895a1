using System.Net.WebSockets;
using System.Text.Json;
using OrleansChat.Gateway.Sockets;
using OrleansChat.Protocol;

namespace OrleansChat.Gateway.Security;

/// <summary>
/// Session encryption between the socket plumbing and protocol v1: decrypts what the client sends before the
/// <see cref="ChatSession"/>-side handler sees it, and encrypts each outbound JSON frame for this socket only (fan-out
/// still serialises once per gateway). Until the client's first frame decides, outbound frames go as plaintext
/// (Optional) or wait (Required). Every violation closes the connection with 1008.
/// </summary>
public sealed partial class EncryptedSession : IFrameHandler, IOutboundEncoder, IDisposable
{
    private readonly ClientConnection _connection;
    private readonly IFrameHandler _inner;
    private readonly EncryptionMode _mode;
    private readonly EncryptionKeyRing _keys;
    private readonly int _maxPending;
    private readonly ILogger _logger;
    private readonly Lock _sendLock = new();
    private readonly List<ReadOnlyMemory<byte>> _pending = [];
    private State _state = State.AwaitingFirstFrame;
    private FrameCipher? _cipher;

    private EncryptedSession(ClientConnection connection, IFrameHandler inner, EncryptionMode mode, EncryptionKeyRing keys, int maxPending, ILogger logger)
    {
        (_connection, _inner, _mode, _keys, _maxPending, _logger) = (connection, inner, mode, keys, maxPending, logger);
    }

    private enum State
    {
        AwaitingFirstFrame,
        Plaintext,
        Encrypted,
        Refused,
    }

    /// <summary>The handler a connection runs: <paramref name="inner"/> itself when encryption is off, else wrapped.</summary>
    public static IFrameHandler Decorate(ClientConnection connection, IFrameHandler inner, EncryptionMode mode, EncryptionKeyRing keys, int maxPending, ILogger logger)
    {
        if (mode == EncryptionMode.Off)
        {
            return inner;
        }

        var session = new EncryptedSession(connection, inner, mode, keys, maxPending, logger);
        connection.UseEncoder(session);
        return session;
    }

    public ValueTask OnMessageAsync(WebSocketMessageType type, ReadOnlyMemory<byte> payload) => _state switch
    {
        State.Plaintext => _inner.OnMessageAsync(type, payload),
        State.Encrypted => OnEncryptedAsync(type, payload),
        State.AwaitingFirstFrame => OnFirstFrameAsync(type, payload),
        _ => ValueTask.CompletedTask,
    };

    public bool TryEnqueue(ReadOnlyMemory<byte> utf8Frame, WriteMode mode)
    {
        // One lock orders counter assignment and queueing, so frames leave in counter order. For the same reason a
        // lane may hold back (stage) only plaintext that stays plaintext: a staged sealed frame would leave after
        // frames sealed later, and a staged plaintext one after a hello reply.
        lock (_sendLock)
        {
            var unstaged = mode == WriteMode.Staged ? WriteMode.Immediate : mode;
            switch (_state)
            {
                case State.Encrypted:
                    return _connection.TryEnqueueFrame(_cipher!.Seal(utf8Frame.Span), WebSocketMessageType.Binary, unstaged);
                case State.AwaitingFirstFrame when _mode == EncryptionMode.Required:
                    return Hold(utf8Frame);
                case State.Refused:
                    return false;
                case State.Plaintext:
                    return _connection.TryEnqueueFrame(utf8Frame, WebSocketMessageType.Text, mode);
                default:
                    return _connection.TryEnqueueFrame(utf8Frame, WebSocketMessageType.Text, unstaged);
            }
        }
    }

    public void Dispose() => _cipher?.Dispose();

    private ValueTask OnFirstFrameAsync(WebSocketMessageType type, ReadOnlyMemory<byte> payload)
    {
        if (type == WebSocketMessageType.Text && HelloFrame.IsHello(payload.Span))
        {
            Handshake(payload.Span);
            return ValueTask.CompletedTask;
        }

        if (_mode == EncryptionMode.Required)
        {
            Refuse("encryption required: the first frame must be hello");
            return ValueTask.CompletedTask;
        }

        lock (_sendLock)
        {
            _state = State.Plaintext;
        }

        return _inner.OnMessageAsync(type, payload);
    }

    private void Handshake(ReadOnlySpan<byte> utf8)
    {
        var hello = HelloFrame.Read(utf8, out var problem);
        var key = hello is null ? null : _keys.TryUnwrap(hello.KeyId, hello.WrappedKey);
        if (hello is null || key is not { Length: FrameCipher.KeyBytes })
        {
            Refuse(problem ?? "hello: unknown keyId or a key that does not unwrap to 32 bytes (fetch GET /api/crypto/key)");
            return;
        }

        lock (_sendLock)
        {
            _cipher = new FrameCipher(key);
            _state = State.Encrypted;
            _connection.TryEnqueueFrame(_cipher.Seal(JsonSerializer.SerializeToUtf8Bytes(new HelloReply(hello.Id), ProtocolJson.Options)), WebSocketMessageType.Binary);
            foreach (var held in _pending)
            {
                _connection.TryEnqueueFrame(_cipher.Seal(held.Span), WebSocketMessageType.Binary);
            }

            _pending.Clear();
        }
    }

    private ValueTask OnEncryptedAsync(WebSocketMessageType type, ReadOnlyMemory<byte> payload)
    {
        if (type != WebSocketMessageType.Binary)
        {
            Refuse("plaintext frame in an encrypted session");
            return ValueTask.CompletedTask;
        }

        var plaintext = _cipher!.TryOpen(payload.Span, out var problem);
        if (plaintext is null)
        {
            Refuse(problem!);
            return ValueTask.CompletedTask;
        }

        return _inner.OnMessageAsync(WebSocketMessageType.Text, plaintext);
    }

    private bool Hold(ReadOnlyMemory<byte> utf8Frame)
    {
        if (_pending.Count < _maxPending)
        {
            _pending.Add(utf8Frame);
            return true;
        }

        _connection.Close(WebSocketCloseStatus.EndpointUnavailable, "send queue overflow before hello", flush: false);
        return false;
    }

    private void Refuse(string reason)
    {
        lock (_sendLock)
        {
            _state = State.Refused;
            _pending.Clear();
        }

        LogRefused(_logger, _connection.User.Id, reason);
        _connection.Close(WebSocketCloseStatus.PolicyViolation, reason, flush: true);
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Encrypted session of user {UserId} closed with 1008: {Reason}")]
    private static partial void LogRefused(ILogger logger, string userId, string reason);
}
