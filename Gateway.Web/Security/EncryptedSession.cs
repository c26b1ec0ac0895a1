using System.Net.WebSockets;
using System.Text.Json;
using OrleansChat.Gateway.Sockets;
using OrleansChat.Protocol;

namespace OrleansChat.Gateway.Security;

/// <summary>
/// Session encryption between the socket plumbing and protocol v1: decrypts what the client sends before the
/// <see cref="ChatSession"/>-side handler sees it, and, as the connection writer's <see cref="IFrameTransform"/>,
/// encrypts each outbound JSON frame for this socket only (fan-out still serialises once per gateway). Until the
/// client's first frame decides, outbound frames go as plaintext (Optional) or wait (Required; more than the send
/// queue's capacity of them closes the connection with 1013). A client that turns out to send plaintext (Optional)
/// leaves the writer without a transform, so its frames take no lock. Every violation closes the connection with 1008.
/// </summary>
public sealed partial class EncryptedSession : IFrameHandler, IFrameTransform, IDisposable
{
    private readonly ClientConnection _connection;
    private readonly IFrameHandler _inner;
    private readonly EncryptionMode _mode;
    private readonly EncryptionKeyRing _keys;
    private readonly int _maxPending;
    private readonly ILogger _logger;

    // The outbound side (_pending, and _cipher's send counter) changes only under the writer's lock: in TryEncode,
    // or through ConnectionWriter.Transition.
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
        connection.Writer.UseTransform(session);
        return session;
    }

    public ValueTask OnMessageAsync(WebSocketMessageType type, ReadOnlyMemory<byte> payload) => _state switch
    {
        State.Plaintext => _inner.OnMessageAsync(type, payload),
        State.Encrypted => OnEncryptedAsync(type, payload),
        State.AwaitingFirstFrame => OnFirstFrameAsync(type, payload),
        _ => ValueTask.CompletedTask,
    };

    /// <summary>Called by the connection's writer under its lock, in the order frames leave: so counters leave in order.</summary>
    public bool TryEncode(ReadOnlyMemory<byte> utf8Json, out OutboundFrame wire)
    {
        wire = default;
        switch (_state)
        {
            case State.Encrypted:
                wire = Sealed(utf8Json.Span);
                return true;
            case State.AwaitingFirstFrame when _mode == EncryptionMode.Required:
                Hold(utf8Json);
                return false;
            case State.Refused:
                return false;
            default:
                wire = new OutboundFrame(utf8Json, WebSocketMessageType.Text);
                return true;
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

        _state = State.Plaintext;
        _connection.Writer.UseTransform(null); // plaintext from now on: the writer skips its lock
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

        // The reply is the first sealed frame and the held ones follow it, before any frame sealed later.
        _connection.Writer.Transition(() =>
        {
            _cipher = new FrameCipher(key);
            _state = State.Encrypted;
            List<OutboundFrame> frames = [Sealed(JsonSerializer.SerializeToUtf8Bytes(new HelloReply(hello.Id), ProtocolJson.Options))];
            frames.AddRange(_pending.Select(held => Sealed(held.Span)));
            _pending.Clear();
            return frames;
        });
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

    private OutboundFrame Sealed(ReadOnlySpan<byte> utf8Json) => new(_cipher!.Seal(utf8Json), WebSocketMessageType.Binary);

    private void Hold(ReadOnlyMemory<byte> utf8Frame)
    {
        if (_pending.Count < _maxPending)
        {
            _pending.Add(utf8Frame);
            return;
        }

        _connection.CloseTooSlow("send queue overflow before hello");
    }

    private void Refuse(string reason)
    {
        _connection.Writer.Transition(() =>
        {
            _state = State.Refused;
            _pending.Clear();
            return [];
        });

        LogRefused(_logger, _connection.User.Id, reason);
        _connection.Close(WebSocketCloseStatus.PolicyViolation, reason, flush: true);
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Encrypted session of user {UserId} closed with 1008: {Reason}")]
    private static partial void LogRefused(ILogger logger, string userId, string reason);
}
