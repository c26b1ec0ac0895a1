using OrleansChat.Model;
using OrleansChat.Tests.Infrastructure;

namespace OrleansChat.Tests.Cluster;

/// <summary>Real Redis and PostgreSQL for the multi-process tests (their own servers, stopped at the end).</summary>
public sealed class ProductionBackends : IAsyncLifetime
{
    public RedisServer Redis { get; } = new();

    public PostgresServer Postgres { get; } = new();

    public async Task InitializeAsync() => await Task.WhenAll(Redis.InitializeAsync(), Postgres.InitializeAsync());

    public async Task DisposeAsync()
    {
        await Redis.DisposeAsync();
        await Postgres.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class ProductionBackendsGroup : ICollectionFixture<ProductionBackends>
{
    public const string Name = "production backends";
}

/// <summary>
/// The production profile, by configuration only: two <c>Silo</c> processes clustered over Redis with grain
/// state in PostgreSQL, and a gateway in Client mode in front of them.
/// </summary>
[Collection(ProductionBackendsGroup.Name)]
public sealed class ProductionProfileTests(ProductionBackends backends)
{
    [Fact]
    public async Task Two_silo_processes_and_a_client_gateway_chat_over_Redis_and_keep_state_in_Postgres_across_a_restart()
    {
        var database = await ProductionCluster.CreateMigratedDatabaseAsync(backends.Postgres);
        var serviceId = "svc-" + Guid.NewGuid().ToString("N")[..8];
        var (room, aliceId, bobId) = (GatewayServer.UniqueName("room"), GatewayServer.UniqueName("alice"), GatewayServer.UniqueName("bob"));

        await using (var cluster = await ProductionCluster.StartAsync(backends, database, serviceId, silos: 2))
        {
            await using var alice = await cluster.Gateway.ConnectAsync(aliceId, "Alice");
            await using var bob = await cluster.Gateway.ConnectAsync(bobId, "Bob");
            await alice.AckedAsync(id => new { type = "room.join", id, room });
            await bob.AckedAsync(id => new { type = "room.join", id, room });
            var ack = await alice.AckedAsync(id => new { type = "room.send", id, room, body = new { kind = "text", text = "over redis" } });
            var received = await bob.WaitForAsync(f => f.Type == "room.message" && f.Number("seq") == ack.Number("seq"));
            Assert.Equal("over redis", received.Json.GetProperty("body").GetProperty("text").GetString());

            await alice.AckedAsync(id => new { type = "dm.request", id, to = bobId });
            await bob.WaitForAsync(f => f.Type == "dm.request");
            await bob.AckedAsync(id => new { type = "dm.accept", id, from = aliceId });
            await alice.AckedAsync(id => new { type = "dm.send", id, to = bobId, body = new { kind = "text", text = "private" } });
            await bob.WaitForAsync(f => f.Type == "dm.message");
        }

        // Every process is gone (killed, not drained); a new cluster over the same database remembers.
        await using (var restarted = await ProductionCluster.StartAsync(backends, database, serviceId, silos: 1))
        {
            await using var alice = await restarted.Gateway.ConnectAsync(aliceId, "Alice");
            var welcome = alice.Received.Single(f => f.Type == "welcome");
            Assert.Contains(room, welcome.Json.GetProperty("rooms").EnumerateArray().Select(r => r.GetString()));
            Assert.Contains(ConversationId.ForDm(aliceId, bobId), welcome.Json.GetProperty("dms").EnumerateArray().Select(r => r.GetString()));
            var members = await alice.AckedAsync(id => new { type = "room.members", id, room });
            Assert.Equal(2, members.Json.GetProperty("members").GetArrayLength());
            var dmOpen = await alice.AckedAsync(id => new { type = "dm.send", id, to = bobId, body = new { kind = "text", text = "still open" } });
            Assert.Equal("ack", dmOpen.Type);
        }
    }
}
