using Npgsql;
using OrleansChat.Model;
using OrleansChat.Tests.Infrastructure;

namespace OrleansChat.Tests.Cluster;

/// <summary>
/// A reconnect storm must cost the database nothing: a user reconnecting with a valid token and an unchanged
/// profile writes no grain state and no message-log row. Checked on the deployed shape (a Silo process with grain
/// state and message log in PostgreSQL, a Client-mode gateway) by reading the database itself: the rows and the
/// sum of the grain-state versions (every write bumps its row's version) before and after.
/// </summary>
[Collection(ProductionBackendsGroup.Name)]
public sealed class ReconnectWritesTests(ProductionBackends backends)
{
    [Fact]
    public async Task A_reconnect_with_a_valid_token_writes_no_grain_state_and_no_log_row()
    {
        var database = await ProductionCluster.CreateMigratedDatabaseAsync(backends.Postgres);
        await using var cluster = await ProductionCluster.StartAsync(backends, database, "svc-" + Guid.NewGuid().ToString("N")[..8], silos: 1,
            new Dictionary<string, string> { ["MessageLog:Provider"] = "Postgres", ["MessageLog:Postgres:ConnectionString"] = database });
        var gateway = cluster.Gateway;
        var (room, aliceId, bobId) = (GatewayServer.UniqueName("room"), GatewayServer.UniqueName("alice"), GatewayServer.UniqueName("bob"));
        var (aliceToken, bobToken) = (await gateway.LoginAsync(aliceId, "Alice"), await gateway.LoginAsync(bobId, "Bob"));

        // Everything a reconnect touches: a profile, a room (re-attached), a private chat (told where the user is).
        await using (var alice = await gateway.ConnectWithTokenAsync(aliceToken))
        await using (var bob = await gateway.ConnectWithTokenAsync(bobToken))
        {
            await alice.AckedAsync(id => new { type = "room.join", id, room });
            await bob.AckedAsync(id => new { type = "room.join", id, room });
            await alice.AckedAsync(id => new { type = "room.send", id, room, body = new { kind = "text", text = "before" } });
            await alice.AckedAsync(id => new { type = "dm.request", id, to = bobId });
            await bob.WaitForAsync(f => f.Type == "dm.request");
            await bob.AckedAsync(id => new { type = "dm.accept", id, from = aliceId });
            await alice.AckedAsync(id => new { type = "dm.send", id, to = bobId, body = new { kind = "text", text = "before" } });
        }

        var before = await WrittenAsync(database);
        Assert.True(before.Messages == 2 && before.GrainRows > 0, $"the probe sees the writes so far: {before}");

        await using (var alice = await gateway.ConnectWithTokenAsync(aliceToken))
        await using (var bob = await gateway.ConnectWithTokenAsync(bobToken))
        {
            var welcome = alice.Received.Single(f => f.Type == "welcome");
            Assert.Contains(room, welcome.Json.GetProperty("rooms").EnumerateArray().Select(r => r.GetString()));
            Assert.Contains(ConversationId.ForDm(aliceId, bobId), welcome.Json.GetProperty("dms").EnumerateArray().Select(r => r.GetString()));
            // The room was re-attached on reconnect: a message reaches bob's new socket (and is the one new row).
            var ack = await alice.AckedAsync(id => new { type = "room.send", id, room, body = new { kind = "text", text = "after" } });
            await bob.WaitForAsync(f => f.Type == "room.message" && f.Number("seq") == ack.Number("seq"));
        }

        Assert.Equal(before with { Messages = before.Messages + 1 }, await WrittenAsync(database));

        // The same probe does see a grain-state write: a changed profile is stored on the next connect.
        await using (await gateway.ConnectWithTokenAsync(await gateway.LoginAsync(aliceId, "Alice Renamed")))
        {
        }

        var renamed = await WrittenAsync(database);
        Assert.True(renamed.VersionSum > before.VersionSum, $"a changed profile is written: {before} then {renamed}");
    }

    private sealed record Written(long GrainRows, long VersionSum, long Messages);

    private static async Task<Written> WrittenAsync(string database)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT (SELECT count(*) FROM orleansstorage), (SELECT coalesce(sum(version), 0) FROM orleansstorage), (SELECT count(*) FROM chat_messages)",
            connection);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return new Written(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2));
    }
}
