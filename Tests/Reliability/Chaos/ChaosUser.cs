using System.Collections.Concurrent;
using System.Diagnostics;
using OrleansChat.Model;
using OrleansChat.Tests.Cluster;
using OrleansChat.Tests.Infrastructure;

namespace OrleansChat.Tests.Reliability.Chaos;

/// <summary>A live delivery: what arrived on which connection, when (seconds since the run started).</summary>
public sealed record LiveDelivery(string Conv, long Seq, double At, int Connection);

/// <summary>A message acknowledged to its sender, and when.</summary>
public sealed record TimedAck(AckedMessage Message, double At);

/// <summary>A send attempt that was not acknowledged: the error code it was answered with, or why there was no answer.</summary>
public sealed record TimedRefusal(string Why, double At);

/// <summary>A span during which the user had a welcomed connection (To is null while it lasts).</summary>
public sealed record ConnectedSpan(int Connection, double From, double? To);

/// <summary>
/// One user as the SDK behaves: connected to one gateway (another one when it cannot), every send kept until
/// acknowledged and resent with the same id after an error, no answer in time, or a reconnection; on every
/// reconnection it syncs from its cursors. Records acks, live deliveries and when it was connected.
/// </summary>
public sealed class ChaosUser(string id, IReadOnlyList<string> rooms, IReadOnlyList<GatewayProcess> gateways, int home, Stopwatch clock)
{
    private static readonly TimeSpan AttemptTimeout = TimeSpan.FromSeconds(8);
    private static readonly TimeSpan Pace = TimeSpan.FromMilliseconds(150);

    private readonly ConcurrentQueue<TimedAck> _acked = new();
    private readonly ConcurrentQueue<LiveDelivery> _live = new();
    private readonly ConcurrentQueue<ConnectedSpan> _spans = new();
    private readonly ConcurrentQueue<TimedRefusal> _refusals = new();
    private readonly Dictionary<string, long> _cursors = rooms.ToDictionary(r => ConversationId.ForRoom(r), _ => 0L);
    private ChatClient? _client;
    private int _gateway = home;
    private int _connection;
    private double _connectedAt;
    private int _next;

    public string Id => id;

    public IReadOnlyList<string> Rooms => rooms;

    public IReadOnlyCollection<TimedAck> Acked => _acked;

    public IReadOnlyCollection<LiveDelivery> Live => _live;

    /// <summary>Every connected span, the current one with To = null.</summary>
    public IReadOnlyList<ConnectedSpan> Spans =>
        [.. _spans, .. _client is null ? Array.Empty<ConnectedSpan>() : [new ConnectedSpan(_connection, _connectedAt, null)]];

    public int Reconnects { get; private set; }

    /// <summary>What the user saw so far, as a snapshot.</summary>
    public UserHistory History() => new(id, rooms, [.. _acked], [.. _live], Spans, Resends, Reconnects) { Refusals = [.. _refusals] };

    public int Resends { get; private set; }

    private double Now => clock.Elapsed.TotalSeconds;

    /// <summary>Connects and joins the rooms (before the traffic starts).</summary>
    public async Task JoinAsync()
    {
        await EnsureConnectedAsync(CancellationToken.None);
        foreach (var room in rooms)
        {
            var reply = await _client!.RequestAsync(rid => new { type = "room.join", id = rid, room }, TimeSpan.FromSeconds(20));
            Assert.True(reply.Type != "error", $"{id} could not join {room}: {reply}");
        }
    }

    /// <summary>Sends round-robin to its rooms until <paramref name="stop"/>; the message in flight then is still acknowledged.</summary>
    public async Task RunAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            await SendUntilAckedAsync(rooms[_next % rooms.Count], stop);
            try
            {
                await Task.Delay(Pace, stop);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>A fresh connection (to the first live gateway) for reading everything back.</summary>
    public async Task<ChatClient> ReaderAsync()
    {
        await EnsureConnectedAsync(CancellationToken.None);
        return _client!;
    }

    public async Task CloseAsync()
    {
        if (_client is not null)
        {
            await _client.DisposeAsync();
        }
    }

    private async Task SendUntilAckedAsync(string room, CancellationToken stop)
    {
        var clientId = $"m{Interlocked.Increment(ref _next)}";
        var giveUp = Stopwatch.StartNew();
        while (giveUp.Elapsed < TimeSpan.FromSeconds(120))
        {
            await EnsureConnectedAsync(CancellationToken.None);
            var client = _client!;
            var answered = client.Count(f => f.Re == clientId);
            try
            {
                await client.SendAsync(new { type = "room.send", id = clientId, room, body = new { kind = "text", text = $"{id} {clientId}" } });
            }
            catch (Exception e) when (e is System.Net.WebSockets.WebSocketException or ObjectDisposedException or InvalidOperationException)
            {
                await DropAsync();
                continue;
            }

            var reply = await ReplyAsync(client, clientId, answered);
            if (reply?.Type == "ack")
            {
                _acked.Enqueue(new TimedAck(new AckedMessage(ConversationId.ForRoom(room), reply.Number("seq"), id, clientId), Now));
                return;
            }

            Resends++;
            var why = reply is not null ? (reply.Type == "error" ? reply.Str("code") : reply.Type) : client.Closed.IsCompleted ? "connection lost" : "no answer";
            _refusals.Enqueue(new TimedRefusal(why, Now));
            if (client.Closed.IsCompleted)
            {
                await DropAsync();
            }
            else if (reply is not null)
            {
                await Task.Delay(200, CancellationToken.None); // an error answer: retry shortly with the same id
            }
        }

        throw new TimeoutException($"{id} could not get {clientId} to {room} acknowledged within 120 s");
    }

    /// <summary>The ack (from any attempt), else a new answer, else null when the time is up or the connection closed.</summary>
    private static async Task<Frame?> ReplyAsync(ChatClient client, string clientId, int answered)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < AttemptTimeout && !client.Closed.IsCompleted)
        {
            if (client.Count(f => f.Re == clientId) > answered)
            {
                var replies = client.Received.Where(f => f.Re == clientId).ToList();
                return replies.FirstOrDefault(f => f.Type == "ack") ?? replies[^1];
            }

            await Task.Delay(20);
        }

        return client.Received.FirstOrDefault(f => f.Re == clientId && f.Type == "ack");
    }

    private async Task EnsureConnectedAsync(CancellationToken cancel)
    {
        if (_client is { Closed.IsCompleted: false })
        {
            return;
        }

        if (_client is not null)
        {
            await DropAsync();
        }

        for (var attempt = 0; ; attempt++)
        {
            var gateway = gateways[_gateway];
            try
            {
                var token = await gateway.LoginAsync(id).WaitAsync(TimeSpan.FromSeconds(10), cancel);
                var client = await ChatClient.ConnectAsync(gateway.WebSocketUri(token), receive: false).WaitAsync(TimeSpan.FromSeconds(10), cancel);
                var connection = ++_connection;
                client.FrameReceived += frame => OnFrame(frame, connection);
                client.StartReceiving();
                await client.WaitForAsync(f => f.Type == "welcome", TimeSpan.FromSeconds(10));
                (_client, _connectedAt) = (client, Now);
                if (connection > 1)
                {
                    Reconnects++;
                    await SyncAsync(client);
                }

                return;
            }
            catch (Exception e) when (e is not OutOfMemoryException && attempt < 600)
            {
                _gateway = (_gateway + 1) % gateways.Count; // that gateway is gone: the load balancer sends us elsewhere
                await Task.Delay(100, cancel);
            }
        }
    }

    private async Task DropAsync()
    {
        var client = _client;
        _client = null;
        if (client is not null)
        {
            _spans.Enqueue(new ConnectedSpan(_connection, _connectedAt, Now));
            client.Abort();
            await client.DisposeAsync();
        }
    }

    private void OnFrame(Frame frame, int connection)
    {
        if (frame.Type == "room.message")
        {
            var conv = ConversationId.ForRoom(frame.Str("room"));
            var seq = frame.Number("seq");
            _live.Enqueue(new LiveDelivery(conv, seq, Now, connection));
        }
    }

    /// <summary>What the SDK does on every reconnection: sync from its cursors (the highest seq it has seen), page after page.</summary>
    private async Task SyncAsync(ChatClient client)
    {
        foreach (var delivery in _live)
        {
            if (_cursors.TryGetValue(delivery.Conv, out var last) && delivery.Seq > last)
            {
                _cursors[delivery.Conv] = delivery.Seq;
            }
        }

        var pending = new Dictionary<string, long>(_cursors);
        for (var round = 0; round < 100 && pending.Count > 0; round++)
        {
            var reply = await client.RequestAsync(rid => new { type = "sync", id = rid, cursors = pending }, TimeSpan.FromSeconds(15));
            if (reply.Type != "sync")
            {
                return; // the next reconnection syncs again
            }

            pending.Clear();
            foreach (var conversation in reply.Json.GetProperty("conversations").EnumerateArray())
            {
                var conv = conversation.GetProperty("conv").GetString()!;
                var seqs = conversation.TryGetProperty("messages", out var messages) ? messages.EnumerateArray().Select(m => m.GetProperty("seq").GetInt64()).ToList() : [];
                if (seqs.Count > 0)
                {
                    _cursors[conv] = Math.Max(_cursors.GetValueOrDefault(conv), seqs.Max());
                }

                if (conversation.TryGetProperty("more", out var more) && more.GetBoolean() && seqs.Count > 0)
                {
                    pending[conv] = _cursors[conv];
                }
            }
        }
    }
}
