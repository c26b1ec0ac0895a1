using System.Diagnostics;
using System.Globalization;
using System.Net.WebSockets;
using OrleansChat.Tests.Infrastructure;
using Xunit.Abstractions;

namespace OrleansChat.Tests.EndToEnd;

/// <summary>A gateway of its own for the fuzz test (rate limits are off, as in every test gateway unless switched on).</summary>
public sealed class FuzzGatewayFixture : IAsyncLifetime
{
    public GatewayServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await GatewayServer.StartAsync();

    public async Task DisposeAsync() => await Server.DisposeAsync();
}

/// <summary>
/// Tens of thousands of random and mutated frames from several connections against a live gateway, while two
/// well-behaved users chat in a room. Set ORLEANSCHAT_FUZZ_SEED to replay a run; the seed is printed.
/// </summary>
public sealed class FuzzTests(FuzzGatewayFixture fixture, ITestOutputHelper output) : IClassFixture<FuzzGatewayFixture>
{
    private const int FuzzConnections = 4;
    private const int FramesPerConnection = 10_000;
    private static readonly TimeSpan ReplyTimeout = TimeSpan.FromSeconds(30);

    /// <summary>What a reply can be (a reply to a frame without an id carries no <c>re</c>); events are other types.</summary>
    private static readonly HashSet<string> ReplyTypes = ["ack", "error", "pong", "members", "history", "sync"];

    private readonly GatewayServer _server = fixture.Server;

    [Fact]
    public async Task Bad_frames_get_errors_or_documented_closes_and_a_chat_at_the_same_time_loses_nothing()
    {
        var seed = int.TryParse(Environment.GetEnvironmentVariable("ORLEANSCHAT_FUZZ_SEED"), CultureInfo.InvariantCulture, out var s) ? s : Environment.TickCount;
        output.WriteLine($"fuzz seed: {seed} (replay with ORLEANSCHAT_FUZZ_SEED={seed})");
        var stopwatch = Stopwatch.StartNew();

        var prefix = GatewayServer.UniqueName("fz");
        var users = Enumerable.Range(0, FuzzConnections).Select(i => GatewayServer.UniqueName($"fz{i}")).ToArray();
        var fuzzing = users.Select((user, i) => FuzzAsync(new Random(seed + i), prefix, user, users)).ToArray();
        var chatting = ChatAsync(Task.WhenAll(fuzzing));

        var results = await Task.WhenAll(fuzzing);
        var chat = await chatting;

        var total = results.Sum(r => r.Sent);
        output.WriteLine($"{total} fuzz frames, {results.Sum(r => r.Closes)} documented closes, {chat} chat messages, {stopwatch.Elapsed.TotalSeconds:F1} s");
        foreach (var kind in results.SelectMany(r => r.Kinds.Concat(r.CloseKinds)).GroupBy(k => k.Key).OrderBy(g => g.Key))
        {
            output.WriteLine($"  {kind.Key}: {kind.Sum(k => k.Value)}");
        }

        Assert.True(total >= FuzzConnections * FramesPerConnection, $"sent {total}");
        await using var after = await _server.ConnectAsync(GatewayServer.UniqueName("after"));
        await after.AckedAsync(id => new { type = "ping", id });
    }

    /// <summary>
    /// Sends batches without waiting for replies, then a ping, and checks that every frame of the batch got exactly
    /// one reply (replies come in order, so the ping's pong comes last) and none was <c>internal</c>. Now and then
    /// a batch ends with a frame that must close the socket with its documented code; then it reconnects. The
    /// fuzzers share rooms and ask each other for private chats, so events cross between them. Invalid UTF-8 is answered by .NET's WebSocket itself, which under load sometimes drops the connection
    /// without its 1007 close frame; docs/protocol.md documents both outcomes, and the output counts them.
    /// </summary>
    private async Task<FuzzResult> FuzzAsync(Random random, string roomPrefix, string user, string[] fuzzUsers)
    {
        var token = await _server.LoginAsync(user);
        var fuzzer = new FrameFuzzer(random, roomPrefix, user, [.. fuzzUsers.Where(u => u != user)], maxFrameBytes: 64 * 1024);
        var result = new FuzzResult();
        var client = await _server.ConnectWithTokenAsync(token);
        var expectedReplies = 0;
        try
        {
            for (var batch = 0; result.Sent < FramesPerConnection; batch++)
            {
                for (var i = random.Next(50, 400); i > 0; i--)
                {
                    var frame = fuzzer.Next();
                    await SendAsync(client, frame, user);
                    result.Count(frame);
                }

                var end = $"end-{batch}";
                await client.SendAsync(new { type = "ping", id = end });
                await client.WaitForAsync(f => f.Re == end, ReplyTimeout);
                expectedReplies = result.SentOnConnection + batch + 1 - result.BatchesBeforeConnection;
                AssertRepliesAndNoInternalErrors(client, expectedReplies, user);

                if (random.Next(5) == 0)
                {
                    var closing = fuzzer.NextClosing();
                    await client.SendBytesAsync(closing.Payload, closing.Type);
                    result.Count(closing);
                    var status = await client.Closed.WaitAsync(ReplyTimeout);
                    var droppedAfterInvalidUtf8 = status is null && closing.ExpectedClose == WebSocketCloseStatus.InvalidPayloadData;
                    Assert.True(status == closing.ExpectedClose || droppedAfterInvalidUtf8, $"{closing.Kind} should close with {closing.ExpectedClose}, got {status} ({client.CloseDescription})");
                    result.CountClose(droppedAfterInvalidUtf8 ? "dropped after invalid utf-8 (documented)" : $"closed {(int)status!}");
                    await client.DisposeAsync();
                    client = await _server.ConnectWithTokenAsync(token);
                    result.NewConnection(batch + 1);
                }
            }
        }
        finally
        {
            await client.DisposeAsync();
        }

        return result;
    }

    private static async Task SendAsync(ChatClient client, FuzzFrame frame, string user)
    {
        try
        {
            await client.SendBytesAsync(frame.Payload, frame.Type);
        }
        catch (WebSocketException)
        {
            var status = await client.Closed.WaitAsync(ReplyTimeout);
            Assert.Fail($"{user}'s connection closed unexpectedly ({status}: {client.CloseDescription}) by or before a {frame.Kind} frame");
        }
    }

    private static void AssertRepliesAndNoInternalErrors(ChatClient client, int expected, string user)
    {
        var replies = client.Received.Where(f => ReplyTypes.Contains(f.Type)).ToList();
        Assert.False(client.Closed.IsCompleted, $"{user}'s connection closed unexpectedly: {client.CloseDescription}");
        var internalErrors = replies.Where(f => f.Type == "error" && f.Str("code") == "internal").ToList();
        Assert.True(internalErrors.Count == 0, $"internal errors: {string.Join("\n", internalErrors)}");
        Assert.True(replies.Count == expected, $"{user}: {replies.Count} replies to {expected} frames");
    }

    /// <summary>Two users chat in a room until the fuzzers are done; every acked message reaches both, seqs gap-free.</summary>
    private async Task<int> ChatAsync(Task fuzzersDone)
    {
        var room = GatewayServer.UniqueName("calm");
        await using var alice = await _server.ConnectAsync(GatewayServer.UniqueName("alice"));
        await using var bob = await _server.ConnectAsync(GatewayServer.UniqueName("bob"));
        await alice.AckedAsync(id => new { type = "room.join", id, room });
        await bob.AckedAsync(id => new { type = "room.join", id, room });

        var acked = new List<long>();
        for (var i = 0; !fuzzersDone.IsCompleted || i < 50; i++)
        {
            var sender = i % 2 == 0 ? alice : bob;
            var ack = await sender.AckedAsync(id => new { type = "room.send", id, room, body = new { kind = "text", text = $"calm {i}" } });
            acked.Add(ack.Number("seq"));
        }

        Assert.Equal(Enumerable.Range(1, acked.Count).Select(n => (long)n), acked);
        foreach (var member in new[] { alice, bob })
        {
            await member.WaitForAsync(f => f.Type == "room.message" && f.Number("seq") == acked.Count);
            var seqs = member.Received.Where(f => f.Type == "room.message").Select(f => f.Number("seq")).ToList();
            Assert.Equal(acked, seqs.Order());
        }

        return acked.Count;
    }

    private sealed class FuzzResult
    {
        public Dictionary<string, int> Kinds { get; } = [];

        public Dictionary<string, int> CloseKinds { get; } = [];

        public int Sent { get; private set; }

        public int Closes { get; private set; }

        public int SentOnConnection { get; private set; }

        public int BatchesBeforeConnection { get; private set; }

        public void Count(FuzzFrame frame)
        {
            Sent++;
            SentOnConnection++;
            Kinds[frame.Kind] = Kinds.GetValueOrDefault(frame.Kind) + 1;
        }

        public void CountClose(string how) => CloseKinds[how] = CloseKinds.GetValueOrDefault(how) + 1;

        public void NewConnection(int batchesSoFar)
        {
            Closes++;
            SentOnConnection = 0;
            BatchesBeforeConnection = batchesSoFar;
        }
    }
}
