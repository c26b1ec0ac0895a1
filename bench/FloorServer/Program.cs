using System.Buffers;
using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text.Json;
using System.Threading.Channels;

// The floor: a raw ASP.NET Core WebSocket broadcast server with OrleansChat's login shape and frame shapes, no
// Orleans, no persistence, no idempotency, no validation beyond parsing. Rooms and DMs live in dictionaries; each
// socket has one bounded queue and one writer loop, one frame per write; a broadcast is serialised once.
var builder = WebApplication.CreateBuilder(args);
builder.Logging.SetMinimumLevel(LogLevel.Warning);
var app = builder.Build();
app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.FromSeconds(20) });

var hub = new Hub();
app.MapPost("/api/auth/login", (LoginRequest request) =>
{
    if (string.IsNullOrEmpty(request.OpenId))
    {
        return Results.BadRequest(new { code = "bad_request", message = "openId is required" });
    }

    var user = new Profile(request.OpenId, request.Name ?? request.OpenId);
    hub.Profiles[user.Id] = user;
    // The "token" is the user id: the floor measures delivery, not JWTs.
    return Results.Json(new { token = user.Id, expiresAt = DateTimeOffset.UtcNow.AddHours(12), user = new { id = user.Id, name = user.Name } });
});
app.Map("/ws", async context =>
{
    string? token = context.Request.Query["access_token"];
    if (!context.WebSockets.IsWebSocketRequest || string.IsNullOrEmpty(token) || !hub.Profiles.TryGetValue(token, out var user))
    {
        context.Response.StatusCode = StatusCodes.Status401Unauthorized;
        return;
    }

    using var socket = await context.WebSockets.AcceptWebSocketAsync();
    var connection = new Connection(user, socket);
    hub.Users[user.Id] = connection;
    try
    {
        connection.Enqueue(Frames.Build(w =>
        {
            w.WriteString("type", "welcome");
            Frames.WriteUser(w, "user", user);
            w.WriteStartArray("rooms");
            w.WriteEndArray();
            w.WriteStartArray("dms");
            w.WriteEndArray();
            w.WriteNumber("ts", Frames.Now);
        }));
        await connection.RunAsync(hub);
    }
    finally
    {
        hub.Users.TryRemove(new KeyValuePair<string, Connection>(user.Id, connection));
        hub.LeaveAll(connection);
    }
});
await app.RunAsync();

internal sealed record LoginRequest(string? OpenId, string? Name, string? AvatarUrl);

internal sealed record Profile(string Id, string Name);

internal static class Frames
{
    public static long Now => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    public static byte[] Build(Action<Utf8JsonWriter> body)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            body(w);
            w.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    public static void WriteUser(Utf8JsonWriter w, string property, Profile user)
    {
        w.WriteStartObject(property);
        w.WriteString("id", user.Id);
        w.WriteString("name", user.Name);
        w.WriteEndObject();
    }

    public static byte[] Ack(string? re, string conv, long? seq = null, long? ts = null) => Build(w =>
    {
        w.WriteString("type", "ack");
        w.WriteString("re", re);
        w.WriteString("conv", conv);
        if (seq is { } s)
        {
            w.WriteNumber("seq", s);
            w.WriteNumber("ts", ts ?? Now);
        }
    });

    public static byte[] Error(string? re, string code, string message) => Build(w =>
    {
        w.WriteString("type", "error");
        w.WriteString("re", re);
        w.WriteString("code", code);
        w.WriteString("message", message);
    });
}

internal sealed class Room
{
    private readonly Lock _lock = new();
    private Connection[] _members = [];
    private long _seq;

    public Connection[] Members => Volatile.Read(ref _members);

    public long NextSeq() => Interlocked.Increment(ref _seq);

    public bool Add(Connection c)
    {
        lock (_lock)
        {
            if (_members.Contains(c))
            {
                return false;
            }

            _members = [.. _members, c];
            return true;
        }
    }

    public void Remove(Connection c)
    {
        lock (_lock)
        {
            _members = [.. _members.Where(m => m != c)];
        }
    }

    public void Broadcast(byte[] frame)
    {
        foreach (var member in Members)
        {
            member.Enqueue(frame);
        }
    }
}

internal sealed class Hub
{
    public ConcurrentDictionary<string, Profile> Profiles { get; } = new(StringComparer.Ordinal);

    public ConcurrentDictionary<string, Connection> Users { get; } = new(StringComparer.Ordinal);

    public ConcurrentDictionary<string, Room> Rooms { get; } = new(StringComparer.Ordinal);

    /// <summary>DM conversations: value false while requested (by the first id of the key's owner), true when open.</summary>
    public ConcurrentDictionary<string, (string Requester, bool Open, long Seq)> Dms { get; } = new(StringComparer.Ordinal);

    public static string DmId(string a, string b) => string.CompareOrdinal(a, b) < 0 ? $"dm:{a}:{b}" : $"dm:{b}:{a}";

    public void LeaveAll(Connection c)
    {
        foreach (var room in c.Rooms)
        {
            if (Rooms.TryGetValue(room, out var r))
            {
                r.Remove(c);
            }
        }
    }

    public void Handle(Connection c, ReadOnlyMemory<byte> payload)
    {
        string? id = null;
        try
        {
            using var doc = JsonDocument.Parse(payload, new JsonDocumentOptions { MaxDepth = 16 });
            var root = doc.RootElement;
            id = root.TryGetProperty("id", out var idElement) ? idElement.GetString() : null;
            var type = root.GetProperty("type").GetString();
            switch (type)
            {
                case "ping":
                    c.Enqueue(Frames.Build(w =>
                    {
                        w.WriteString("type", "pong");
                        w.WriteString("re", id);
                        w.WriteNumber("ts", Frames.Now);
                    }));
                    break;
                case "room.join":
                    Join(c, id, root.GetProperty("room").GetString()!);
                    break;
                case "room.send":
                    RoomSend(c, id, root.GetProperty("room").GetString()!, root.GetProperty("body"));
                    break;
                case "dm.request":
                    DmRequest(c, id, root.GetProperty("to").GetString()!);
                    break;
                case "dm.accept":
                    DmAccept(c, id, root.GetProperty("from").GetString()!);
                    break;
                case "dm.send":
                    DmSend(c, id, root.GetProperty("to").GetString()!, root.GetProperty("body"));
                    break;
                default:
                    c.Enqueue(Frames.Error(id, "bad_request", $"unsupported frame type '{type}'"));
                    break;
            }
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            c.Enqueue(Frames.Error(id, "bad_request", e.Message));
        }
    }

    private void Join(Connection c, string? id, string name)
    {
        var room = Rooms.GetOrAdd(name, _ => new Room());
        var conv = "room:" + name;
        var added = room.Add(c);
        if (added)
        {
            c.Rooms.Add(name);
        }

        c.Enqueue(Frames.Ack(id, conv));
        if (added)
        {
            room.Broadcast(Frames.Build(w =>
            {
                w.WriteString("type", "room.joined");
                w.WriteString("room", name);
                Frames.WriteUser(w, "user", c.User);
                w.WriteNumber("ts", Frames.Now);
            }));
        }
    }

    private void RoomSend(Connection c, string? id, string name, JsonElement body)
    {
        if (!Rooms.TryGetValue(name, out var room) || !c.Rooms.Contains(name))
        {
            c.Enqueue(Frames.Error(id, "forbidden", $"not a member of room '{name}'"));
            return;
        }

        var (seq, ts, conv) = (room.NextSeq(), Frames.Now, "room:" + name);
        c.Enqueue(Frames.Ack(id, conv, seq, ts));
        room.Broadcast(Frames.Build(w =>
        {
            w.WriteString("type", "room.message");
            w.WriteString("room", name);
            w.WriteString("conv", conv);
            w.WriteNumber("seq", seq);
            w.WriteNumber("ts", ts);
            Frames.WriteUser(w, "from", c.User);
            w.WritePropertyName("body");
            body.WriteTo(w);
            if (id is not null)
            {
                w.WriteString("id", id);
            }
        }));
    }

    private void DmRequest(Connection c, string? id, string to)
    {
        var conv = DmId(c.User.Id, to);
        var state = Dms.AddOrUpdate(conv, (c.User.Id, false, 0), (_, s) => s.Requester != c.User.Id ? (s.Requester, true, s.Seq) : s);
        c.Enqueue(Frames.Ack(id, conv));
        if (Users.TryGetValue(to, out var peer))
        {
            peer.Enqueue(Frames.Build(w =>
            {
                w.WriteString("type", state.Open ? "dm.open" : "dm.request");
                w.WriteString("conv", conv);
                Frames.WriteUser(w, "from", c.User);
            }));
        }
    }

    private void DmAccept(Connection c, string? id, string from)
    {
        var conv = DmId(c.User.Id, from);
        if (!Dms.TryGetValue(conv, out var state) || state.Requester != from)
        {
            c.Enqueue(Frames.Error(id, "conflict", $"{from} did not ask you"));
            return;
        }

        Dms[conv] = (state.Requester, true, state.Seq);
        c.Enqueue(Frames.Ack(id, conv));
        foreach (var (user, other) in new[] { (c.User.Id, from), (from, c.User.Id) })
        {
            if (Users.TryGetValue(user, out var target) && Profiles.TryGetValue(other, out var with))
            {
                target.Enqueue(Frames.Build(w =>
                {
                    w.WriteString("type", "dm.open");
                    w.WriteString("conv", conv);
                    Frames.WriteUser(w, "with", with);
                }));
            }
        }
    }

    private void DmSend(Connection c, string? id, string to, JsonElement body)
    {
        var conv = DmId(c.User.Id, to);
        if (!Dms.TryGetValue(conv, out var state) || !state.Open)
        {
            c.Enqueue(Frames.Error(id, "forbidden", "the conversation is not open"));
            return;
        }

        var updated = Dms.AddOrUpdate(conv, state, (_, s) => (s.Requester, s.Open, s.Seq + 1));
        var (seq, ts) = (updated.Seq, Frames.Now);
        c.Enqueue(Frames.Ack(id, conv, seq, ts));
        var frame = Frames.Build(w =>
        {
            w.WriteString("type", "dm.message");
            w.WriteString("conv", conv);
            w.WriteNumber("seq", seq);
            w.WriteNumber("ts", ts);
            Frames.WriteUser(w, "from", c.User);
            w.WriteString("to", to);
            w.WritePropertyName("body");
            body.WriteTo(w);
            if (id is not null)
            {
                w.WriteString("id", id);
            }
        });
        c.Enqueue(frame);
        if (Users.TryGetValue(to, out var peer))
        {
            peer.Enqueue(frame);
        }
    }
}

internal sealed class Connection(Profile user, WebSocket socket)
{
    private const int MaxFrameBytes = 64 * 1024;
    private readonly Channel<byte[]> _outbound = Channel.CreateBounded<byte[]>(new BoundedChannelOptions(1024) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });

    public Profile User { get; } = user;

    public ConcurrentBag<string> Rooms { get; } = [];

    public void Enqueue(byte[] frame)
    {
        if (!_outbound.Writer.TryWrite(frame))
        {
            // Same policy as OrleansChat: a client that cannot keep up is dropped.
            _outbound.Writer.TryComplete();
            socket.Abort();
        }
    }

    public async Task RunAsync(Hub hub)
    {
        var writer = WriteLoopAsync();
        var buffer = ArrayPool<byte>.Shared.Rent(4096);
        try
        {
            var length = 0;
            while (socket.State == WebSocketState.Open)
            {
                if (length == buffer.Length)
                {
                    var larger = ArrayPool<byte>.Shared.Rent(Math.Min(buffer.Length * 2, MaxFrameBytes));
                    buffer.AsSpan(0, length).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }

                var result = await socket.ReceiveAsync(buffer.AsMemory(length), CancellationToken.None);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    break;
                }

                length += result.Count;
                if (result.EndOfMessage)
                {
                    hub.Handle(this, buffer.AsMemory(0, length));
                    length = 0;
                }
            }
        }
        catch (Exception e) when (e is WebSocketException or IOException or OperationCanceledException)
        {
            // Peer gone.
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            _outbound.Writer.TryComplete();
            await writer;
        }
    }

    private async Task WriteLoopAsync()
    {
        try
        {
            var reader = _outbound.Reader;
            while (await reader.WaitToReadAsync())
            {
                while (reader.TryRead(out var frame))
                {
                    await socket.SendAsync(frame, WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);
                }
            }

            if (socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(3));
                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "closing", timeout.Token);
            }
        }
        catch (Exception e) when (e is WebSocketException or IOException or OperationCanceledException or ObjectDisposedException)
        {
            socket.Abort();
        }
    }
}
