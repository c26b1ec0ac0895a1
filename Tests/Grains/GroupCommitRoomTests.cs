using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;
using OrleansChat.Grains;
using OrleansChat.Grains.Hosting;
using OrleansChat.Grains.MessageLog;
using OrleansChat.Grains.MessageLog.GroupCommit;
using OrleansChat.Grains.MessageLog.InMemory;
using OrleansChat.Model;
using OrleansChat.Protocol;
using OrleansChat.Tests.Infrastructure;
using OrleansChat.Tests.MessageLog;

namespace OrleansChat.Tests.Grains;

/// <summary>
/// A room in front of a group-committed log whose batches the test commits (<see cref="GroupCommitRoomFixture"/>): the
/// room takes the next send while the previous one commits, acks only once durable, and fans out in seq order.
/// </summary>
public sealed class GroupCommitRoomTests(GroupCommitRoomFixture fixture) : IClassFixture<GroupCommitRoomFixture>
{
    private readonly GatedMessageLog _gated = GroupCommitRoomFixture.Gated;
    private readonly GroupCommitMessageLog _log = GroupCommitRoomFixture.Log;

    [Fact]
    public async Task A_room_takes_the_next_send_while_the_previous_one_commits_and_acks_and_fans_out_in_seq_order()
    {
        await using var gateway = fixture.NewGateway();
        var room = Names.New("room");
        var (alice, bob) = (Names.User("alice"), Names.User("bob"));
        await gateway.Join(room, alice);
        await gateway.Join(room, bob);
        _gated.Gated = true;
        try
        {
            var first = gateway.Room(room).Send(alice, "m1", new TextBody("one"));
            var batch1 = await _gated.NextBatchAsync();
            var second = gateway.Room(room).Send(bob, "m2", new TextBody("two"));

            await Eventually.TrueAsync(() => _log.QueuedCount == 1, "the room took the second send while the first one commits");
            Assert.False(first.IsCompleted, "no ack before the batch is durable");
            batch1.Commit();
            Assert.Equal((1L, false), ((await first).Seq, (await first).Duplicate));
            var fannedOut = await gateway.Recorder.WaitForFrames<RoomMessageEvent>(room, 1);
            Assert.Equal([1L], fannedOut.Select(m => m.Seq));

            var batch2 = await _gated.NextBatchAsync();
            Assert.Equal([2L], batch2.Seqs);
            Assert.False(second.IsCompleted, "no ack before the batch is durable");
            Assert.Single(gateway.Recorder.Frames<RoomMessageEvent>(room));
            batch2.Commit();
            Assert.Equal(2L, (await second).Seq);
            fannedOut = await gateway.Recorder.WaitForFrames<RoomMessageEvent>(room, 2);
            Assert.Equal([1L, 2], fannedOut.Select(m => m.Seq));
        }
        finally
        {
            _gated.Gated = false;
        }
    }

    [Fact]
    public async Task Sends_into_one_room_arriving_during_a_commit_go_together_in_the_next_batch_with_gap_free_seqs()
    {
        await using var gateway = fixture.NewGateway();
        var room = Names.New("room");
        var senders = Enumerable.Range(0, 4).Select(_ => Names.User()).ToList();
        foreach (var sender in senders)
        {
            await gateway.Join(room, sender);
        }

        _gated.Gated = true;
        try
        {
            var first = gateway.Room(room).Send(senders[0], "first", new TextBody("first"));
            var batch1 = await _gated.NextBatchAsync();
            var rest = senders.SelectMany(s => Enumerable.Range(0, 5).Select(i => gateway.Room(room).Send(s, $"m{i}", new TextBody($"{s.Id} {i}")))).ToList();
            await Eventually.TrueAsync(() => _log.QueuedCount == 20, "the room took all twenty sends while the first one commits");

            batch1.Commit();
            var batch2 = await _gated.NextBatchAsync();
            Assert.Equal(Enumerable.Range(2, 20).Select(i => (long)i), batch2.Seqs);
            batch2.Commit();

            var receipts = await Task.WhenAll(rest.Prepend(first));
            Assert.Equal(Enumerable.Range(1, 21).Select(i => (long)i), receipts.Select(r => r.Seq).Order());
            var delivered = await gateway.Recorder.WaitForFrames<RoomMessageEvent>(room, 21);
            Assert.Equal(Enumerable.Range(1, 21).Select(i => (long)i), delivered.Select(m => m.Seq).Order());
        }
        finally
        {
            _gated.Gated = false;
        }
    }

    [Fact]
    public async Task A_private_conversation_takes_the_next_send_while_the_previous_one_commits_and_delivers_in_seq_order()
    {
        await using var gateway = fixture.NewGateway();
        var (alice, bob) = (Names.User("alice"), Names.User("bob"));
        await gateway.Connect(alice);
        await gateway.Connect(bob);
        var dm = fixture.Dm(alice.Id, bob.Id);
        await dm.Request(alice);
        await dm.Accept(bob);
        _gated.Gated = true;
        try
        {
            var first = dm.Send(alice, "m1", new TextBody("one"));
            var batch1 = await _gated.NextBatchAsync();
            var second = dm.Send(bob, "m2", new TextBody("two"));

            await Eventually.TrueAsync(() => _log.QueuedCount == 1, "the conversation took the second send while the first one commits");
            Assert.False(first.IsCompleted, "no ack before the batch is durable");
            batch1.Commit();
            Assert.Equal(1L, (await first).Seq);
            Assert.Equal([1L], (await gateway.Recorder.WaitForFrames<DmMessageEvent>(bob.Id, 1)).Select(m => m.Seq));

            var batch2 = await _gated.NextBatchAsync();
            Assert.False(second.IsCompleted, "no ack before the batch is durable");
            batch2.Commit();
            Assert.Equal(2L, (await second).Seq);
            Assert.Equal([1L, 2], (await gateway.Recorder.WaitForFrames<DmMessageEvent>(alice.Id, 2)).Select(m => m.Seq));
        }
        finally
        {
            _gated.Gated = false;
        }
    }
}

/// <summary>A 2-silo cluster of its own whose message log is <see cref="Log"/>: group commit over a gated in-memory log.</summary>
public sealed class GroupCommitRoomFixture : IAsyncLifetime
{
    public static readonly GatedMessageLog Gated = new(new InMemoryMessageLog()) { Gated = false };

    /// <summary>One lane, so the test sees every batch; shared by both silos (one process), like ClusterFixture's log.</summary>
    public static readonly GroupCommitMessageLog Log = new(Gated, new GroupCommitOptions { Lanes = 1 });

    private TestCluster _cluster = null!;

    public async Task InitializeAsync()
    {
        _cluster = await OwnTestCluster.StartAsync<Configurator>(silos: 2);
    }

    public async Task DisposeAsync()
    {
        await OwnTestCluster.StopAsync(_cluster);
    }

    public IPrivateChatGrain Dm(string a, string b) => _cluster.Client.GetGrain<IPrivateChatGrain>(ConversationId.DmKey(a, b));

    public TestGateway NewGateway() => new(_cluster.Client, renew: true, ClusterFixture.SubscriptionExpiry / 5);

    public sealed class Configurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder siloBuilder)
        {
            var configuration = new ConfigurationBuilder()
                .AddInMemoryCollection(new Dictionary<string, string?> { ["Chat:SubscriptionExpiry"] = ClusterFixture.SubscriptionExpiry.ToString("c", null) })
                .Build();
            siloBuilder.Services.AddSingleton<IMessageLog>(Log);
            siloBuilder.AddChatGrains(configuration);
        }
    }
}
