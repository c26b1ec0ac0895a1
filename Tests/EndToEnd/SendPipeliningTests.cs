using OrleansChat.Grains.MessageLog;
using OrleansChat.Grains.MessageLog.GroupCommit;
using OrleansChat.Grains.MessageLog.InMemory;
using OrleansChat.Tests.Infrastructure;
using OrleansChat.Tests.MessageLog;
using Microsoft.Extensions.DependencyInjection;

namespace OrleansChat.Tests.EndToEnd;

/// <summary>
/// One connection's sends are pipelined (Protocol:MaxSendsInFlight, 4 here) over real Kestrel and real sockets, with a
/// log whose commits the test holds: order per conversation, the bound, one answer per send, failures.
/// </summary>
public sealed class SendPipeliningTests(PipelinedGatewayFixture fixture) : IClassFixture<PipelinedGatewayFixture>
{
    private readonly GatewayServer _server = fixture.Server;
    private readonly GatedMessageLog _gated = fixture.Gated;

    [Fact]
    public async Task Sends_queued_behind_a_commit_go_together_and_reading_stops_at_the_bound()
    {
        var room = GatewayServer.UniqueName("pipe");
        await using var alice = await _server.ConnectAsync(GatewayServer.UniqueName("alice"));
        await using var other = await _server.ConnectAsync(GatewayServer.UniqueName("other"));
        await alice.AckedAsync(id => new { type = "room.join", id, room });
        await other.AckedAsync(id => new { type = "room.join", id, room });
        _gated.Gated = true;
        try
        {
            await SendAsync(alice, room, "s0", "s1", "s2");
            await ReadUpToHereAsync(alice, "r1"); // s0-s2 were read
            var first = await _gated.NextBatchAsync();
            Assert.Equal(["s0"], first.Messages.Select(m => m.ClientId));

            // The fourth unanswered send reaches the bound: the reader stops, so s4 and p2 stay unread.
            await SendAsync(alice, room, "s3", "s4");
            await alice.SendAsync(RefusedSend("p2"));
            await other.RequestAsync(id => new { type = "ping", id });
            Assert.Equal(0, alice.Count(f => f.Re is "s4" or "p2"));

            first.Commit();
            var second = await _gated.NextBatchAsync();
            Assert.Equal(["s1", "s2", "s3"], second.Messages.Select(m => m.ClientId)); // one grain call, in the order sent
            await other.RequestAsync(id => new { type = "ping", id });
            Assert.Equal(0, alice.Count(f => f.Re == "p2")); // s1-s4 unanswered: still at the bound

            second.Commit();
            await alice.WaitForAsync(f => f.Re == "p2");
            var third = await _gated.NextBatchAsync();
            Assert.Equal(["s4"], third.Messages.Select(m => m.ClientId));
            third.Commit();

            var acks = await AcksAsync(alice, "s0", "s1", "s2", "s3", "s4");
            Assert.Equal([1L, 2, 3, 4, 5], acks.Select(a => a.Number("seq")));
            Assert.Equal(5, alice.Count(f => f.Type == "ack" && f.Re!.StartsWith('s')));

            // Committed together, s1-s3 reach the room's gateway in one call: each member still gets them once, in order.
            await other.WaitForAsync(f => f.Type == "room.message" && f.Number("seq") == 5);
            Assert.Equal(["s0", "s1", "s2", "s3", "s4"], TextsOf(other, "room.message"));
        }
        finally
        {
            _gated.OpenAndReleaseAll();
        }
    }

    [Fact]
    public async Task Seqs_and_deliveries_follow_the_order_sent_per_conversation()
    {
        var room = GatewayServer.UniqueName("order");
        var (aliceId, bobId) = (GatewayServer.UniqueName("alice"), GatewayServer.UniqueName("bob"));
        await using var alice = await _server.ConnectAsync(aliceId);
        await using var bob = await _server.ConnectAsync(bobId);
        await alice.AckedAsync(id => new { type = "room.join", id, room });
        await bob.AckedAsync(id => new { type = "room.join", id, room });
        await alice.AckedAsync(id => new { type = "dm.request", id, to = bobId });
        await bob.AckedAsync(id => new { type = "dm.accept", id, from = aliceId });

        const int each = 150;
        for (var i = 0; i < each; i++)
        {
            await alice.SendAsync(new { type = "room.send", id = $"r{i}", room, body = new { kind = "text", text = $"r{i}" } });
            await alice.SendAsync(new { type = "dm.send", id = $"d{i}", to = bobId, body = new { kind = "text", text = $"d{i}" } });
        }

        var roomAcks = await AcksAsync(alice, [.. Enumerable.Range(0, each).Select(i => $"r{i}")]);
        var dmAcks = await AcksAsync(alice, [.. Enumerable.Range(0, each).Select(i => $"d{i}")]);
        Assert.Equal(Enumerable.Range(1, each).Select(i => (long)i), roomAcks.Select(a => a.Number("seq")));
        Assert.Equal(Enumerable.Range(1, each).Select(i => (long)i), dmAcks.Select(a => a.Number("seq")));
        Assert.Equal(2 * each, alice.Count(f => f.Type == "ack" && f.Re is ['r' or 'd', ..]));

        await bob.WaitForAsync(f => f.Type == "dm.message" && f.Number("seq") == each);
        await bob.WaitForAsync(f => f.Type == "room.message" && f.Number("seq") == each);
        Assert.Equal(Enumerable.Range(0, each).Select(i => $"r{i}"), TextsOf(bob, "room.message"));
        Assert.Equal(Enumerable.Range(0, each).Select(i => $"d{i}"), TextsOf(bob, "dm.message"));
    }

    [Fact]
    public async Task Ten_connections_pipelining_into_one_room_get_every_send_acked_once_with_gap_free_seqs()
    {
        const int Senders = 10, Each = 300;
        var room = GatewayServer.UniqueName("busy");
        var clients = await Task.WhenAll(Enumerable.Range(0, Senders).Select(i => _server.ConnectAsync(GatewayServer.UniqueName($"u{i}"))));
        try
        {
            await Task.WhenAll(clients.Select(c => c.AckedAsync(id => new { type = "room.join", id, room })));
            await Task.WhenAll(clients.Select(async c =>
            {
                for (var i = 0; i < Each; i++)
                {
                    await c.SendAsync(new { type = "room.send", id = $"m{i}", room, body = new { kind = "text", text = $"m{i}" } });
                }
            }));

            var acks = await Task.WhenAll(clients.Select(c => AcksAsync(c, [.. Enumerable.Range(0, Each).Select(i => $"m{i}")])));
            Assert.All(acks, own => Assert.Equal(own.Select(a => a.Number("seq")).Order(), own.Select(a => a.Number("seq")))); // in the order sent
            Assert.Equal(Enumerable.Range(1, Senders * Each).Select(i => (long)i), acks.SelectMany(a => a).Select(a => a.Number("seq")).Order());
            await clients[0].WaitForAsync(f => f.Type == "room.message" && f.Number("seq") == Senders * Each);
            Assert.Equal(Enumerable.Range(1, Senders * Each).Select(i => (long)i), clients[0].Received.Where(f => f.Type == "room.message").Select(f => f.Number("seq")));
        }
        finally
        {
            await Task.WhenAll(clients.Select(c => c.DisposeAsync().AsTask()));
        }
    }

    [Fact]
    public async Task A_failed_commit_or_a_refused_send_answers_with_an_error_and_the_sends_after_it_go_on()
    {
        var room = GatewayServer.UniqueName("fail");
        await using var alice = await _server.ConnectAsync(GatewayServer.UniqueName("alice"));
        await alice.AckedAsync(id => new { type = "room.join", id, room });
        _gated.Gated = true;
        try
        {
            await SendAsync(alice, room, "s0");
            var failing = await _gated.NextBatchAsync();
            await SendAsync(alice, GatewayServer.UniqueName("not-joined"), "x0");
            await SendAsync(alice, room, "s1", "s2");
            await ReadUpToHereAsync(alice, "r1"); // all read: s1 and s2 wait behind s0's call
            Assert.Equal("forbidden", (await alice.WaitForAsync(f => f.Re == "x0")).Str("code")); // not held up by s0

            failing.Fail(new InvalidOperationException("the database went away"));
            Assert.Equal("internal", (await alice.WaitForAsync(f => f.Re == "s0")).Str("code"));
            // After the failure the conversation re-reads its last seq, so s1 and s2 are sequenced across an await and
            // may reach the log in one batch or two (a full run once saw two); either way in the order sent.
            var written = new List<string?>();
            while (written.Count < 2)
            {
                var next = await _gated.NextBatchAsync();
                written.AddRange(next.Messages.Select(m => m.ClientId));
                next.Commit();
            }

            Assert.Equal(["s1", "s2"], written);
            var acks = await AcksAsync(alice, "s1", "s2");
            Assert.Equal([1L, 2], acks.Select(a => a.Number("seq"))); // the failed seq was not skipped
        }
        finally
        {
            _gated.OpenAndReleaseAll();
        }

        await SendAsync(alice, room, "s0"); // the retry with the same id
        await Eventually.TrueAsync(() => alice.Count(f => f.Re == "s0") == 2, "the retry is answered");
        var retried = alice.Received.Last(f => f.Re == "s0");
        Assert.Equal("ack", retried.Type);
        Assert.Equal(3, retried.Number("seq"));
    }

    [Fact]
    public async Task A_request_after_sends_is_handled_once_they_are_answered()
    {
        var room = GatewayServer.UniqueName("barrier");
        await using var alice = await _server.ConnectAsync(GatewayServer.UniqueName("alice"));
        await using var other = await _server.ConnectAsync(GatewayServer.UniqueName("other"));
        await alice.AckedAsync(id => new { type = "room.join", id, room });
        _gated.Gated = true;
        try
        {
            await SendAsync(alice, room, "s0");
            var batch = await _gated.NextBatchAsync();
            await alice.SendAsync(new { type = "room.leave", id = "leave", room });
            await other.RequestAsync(id => new { type = "ping", id });
            Assert.Equal(0, alice.Count(f => f.Re == "leave")); // waits for s0: it would not find alice in the room otherwise
            batch.Commit();
            await alice.WaitForAsync(f => f.Re == "leave");
        }
        finally
        {
            _gated.OpenAndReleaseAll();
        }

        var order = alice.Received.Select(f => f.Re).Where(re => re is "s0" or "leave").ToList();
        Assert.Equal(["s0", "leave"], order);
        Assert.Equal("ack", alice.Received.Single(f => f.Re == "s0").Type);
    }

    /// <summary>
    /// A send the gateway refuses as it reads it (an audio message of no duration), so its answer proves every frame
    /// before it was read without waiting for their commits (a ping would wait for them).
    /// </summary>
    private static async Task ReadUpToHereAsync(ChatClient client, string id)
    {
        await client.SendAsync(RefusedSend(id));
        Assert.Equal("bad_request", (await client.WaitForAsync(f => f.Re == id)).Str("code"));
    }

    private static object RefusedSend(string id) =>
        new { type = "room.send", id, room = "marker", body = new { kind = "audio", url = "https://cdn.example/a.mp3", durationMs = 0 } };

    private static async Task SendAsync(ChatClient client, string room, params string[] ids)
    {
        foreach (var id in ids)
        {
            await client.SendAsync(new { type = "room.send", id, room, body = new { kind = "text", text = id } });
        }
    }

    /// <summary>The answers to <paramref name="ids"/>, each required to be an ack, in the order of the ids.</summary>
    private static async Task<Frame[]> AcksAsync(ChatClient client, params string[] ids)
    {
        var answers = new Frame[ids.Length];
        for (var i = 0; i < ids.Length; i++)
        {
            var id = ids[i];
            answers[i] = await client.WaitForAsync(f => f.Re == id);
            Assert.True(answers[i].Type == "ack", $"expected an ack for {id}, got {answers[i]}");
        }

        return answers;
    }

    private static IEnumerable<string> TextsOf(ChatClient client, string type) =>
        client.Received.Where(f => f.Type == type).Select(f => f.Json.GetProperty("body").GetProperty("text").GetString()!);
}

/// <summary>A gateway whose embedded silo logs through group commit over a <see cref="GatedMessageLog"/> (ungated until a test gates it).</summary>
public sealed class PipelinedGatewayFixture : IAsyncLifetime
{
    public const int MaxSendsInFlight = 4;

    public GatedMessageLog Gated { get; } = new(new InMemoryMessageLog()) { Gated = false };

    public GatewayServer Server { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var log = new GroupCommitMessageLog(Gated, new GroupCommitOptions { Lanes = 1 });
        Server = await GatewayServer.StartAsync(
            new Dictionary<string, string?> { ["Protocol:MaxSendsInFlight"] = MaxSendsInFlight.ToString(System.Globalization.CultureInfo.InvariantCulture) },
            services => services.AddSingleton<IMessageLog>(log));
    }

    public async Task DisposeAsync() => await Server.DisposeAsync();
}
