using Npgsql;
using OrleansChat.Grains.Rooms;
using OrleansChat.Tests.Infrastructure;
using OrleansChat.Tests.MessageLog;

namespace OrleansChat.Tests.Rooms;

/// <summary>
/// The conformance suite against a real PostgreSQL, in the message log's test database (members live beside the
/// messages), created by the same migration as <c>Silo migrate</c>.
/// </summary>
[Collection(PostgresFixtureDefinition.Name)]
public sealed class PostgresRoomMemberStoreTests(PostgresServer postgres) : RoomMemberStoreConformanceTests, IAsyncLifetime
{
    private readonly MessageLogPool _pool = new(postgres);

    protected override async Task<IRoomMemberStore> CreateStoreAsync() => new PostgresRoomMemberStore(await _pool.GetAsync());

    [Fact]
    public async Task Pages_the_heir_and_a_load_are_served_by_indexes_without_a_sort()
    {
        var dataSource = await _pool.GetAsync();
        var store = new PostgresRoomMemberStore(dataSource);
        const string room = "bulk-members-7"; // 5,000 rows, one of 20 rooms
        await store.SaveManyAsync([.. Enumerable.Range(0, 100_000).Select(i => new RoomMemberRecord(
            $"bulk-members-{i % 20}", $"u{i:D6}", i % 50 == 0 ? MemberStatus.Banned : MemberStatus.Member, IsAdmin: i % 1000 == 7))]);
        await using (var analyze = dataSource.CreateCommand("ANALYZE chat_room_members"))
        {
            await analyze.ExecuteNonQueryAsync();
        }

        foreach (var (sql, index, parameters) in new (string, string, (string, object)[])[]
                 {
                     (PostgresRoomMemberRows.Page, PostgresRoomMemberRows.MembersIndexName, [("room", room), ("after", "u050000"), ("limit", 101L)]),
                     (PostgresRoomMemberRows.Heir, PostgresRoomMemberRows.AdminsIndexName, [("room", room)]),
                     (PostgresRoomMemberRows.Standings, PostgresRoomMemberRows.PrimaryKeyName, [("room", room)]),
                     (PostgresRoomMemberRows.Find, PostgresRoomMemberRows.PrimaryKeyName, [("room", room), ("user_id", "u000007")]),
                 })
        {
            var plan = await dataSource.ExplainAsync(sql, parameters);
            Assert.Contains(index, plan, StringComparison.Ordinal);
            Assert.DoesNotContain("Seq Scan", plan, StringComparison.Ordinal);
            Assert.False(plan.Contains("Sort", StringComparison.Ordinal), plan);
        }
    }

    [Fact]
    public async Task The_table_refuses_an_unknown_status_and_an_admin_who_is_no_member()
    {
        var dataSource = await _pool.GetAsync();
        foreach (var (status, admin) in new[] { ("owner", false), ("banned", true) })
        {
            await using var insert = dataSource.CreateCommand(
                "INSERT INTO chat_room_members (room, user_id, status, is_admin) VALUES (@room, 'u', @status, @admin)");
            insert.Parameters.AddWithValue("room", NewRoom());
            insert.Parameters.AddWithValue("status", status);
            insert.Parameters.AddWithValue("admin", admin);

            var error = await Assert.ThrowsAsync<PostgresException>(() => insert.ExecuteNonQueryAsync());

            Assert.Equal(PostgresErrorCodes.CheckViolation, error.SqlState);
        }
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _pool.CloseAsync();
}
