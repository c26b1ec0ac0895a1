using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Orleans.Storage;
using Orleans.TestingHost;
using OrleansChat.Grains;
using OrleansChat.Grains.Hosting;
using OrleansChat.Grains.Rooms;
using OrleansChat.Model;
using OrleansChat.Silo;
using OrleansChat.Tests.Infrastructure;
using Xunit.Abstractions;

namespace OrleansChat.Tests.Storage;

/// <summary>
/// The deployed shape's membership writes: grain state and members in PostgreSQL (Storage:Provider and
/// MessageLog:Provider = Postgres). A join into a room of 10,000 writes what a join into a room of 10 does: one member
/// row (the store's count), no write of the room's grain state (its row's Version), and about the same write-ahead log.
/// </summary>
[Collection(PostgresFixtureDefinition.Name)]
public sealed class RoomMembershipPostgresTests(PostgresServer postgres, ITestOutputHelper output)
{
    private const int Joins = 20;

    [Fact]
    public async Task A_join_into_a_room_of_10000_writes_one_row_and_no_room_state_like_a_join_into_a_room_of_10()
    {
        var connectionString = await StorageTestDatabase.NewMigratedAsync(postgres, "room_members_flat");
        var cluster = await StartClusterAsync(connectionString);
        try
        {
            await using var dataSource = NpgsqlDataSource.Create(connectionString);
            await using var gateway = new TestGateway(cluster.Client, renew: false, TimeSpan.FromSeconds(1));
            var silo = cluster.Primary as InProcessSiloHandle ?? throw new InvalidOperationException("the test silo runs in process");
            var store = silo.SiloHost.Services.GetRequiredService<IRoomMemberStore>();
            var grainStorage = silo.SiloHost.Services.GetRequiredKeyedService<IGrainStorage>(ChatSiloExtensions.StorageName);
            var owner = Names.User("owner");

            var measured = new List<(RoomMemberWriteCount Writes, long WalBytes)>();
            foreach (var (size, prefix) in new[] { (10, "s"), (10_000, "l") })
            {
                var room = Names.New("room");
                // The room as stored after its members joined: metadata in the grain state, one row per member.
                await grainStorage.WriteStateAsync("room", cluster.Client.GetGrain<IGroupRoomGrain>(room).GetGrainId(),
                    new GrainState<RoomState>(new RoomState { CreatedAt = DateTimeOffset.UtcNow, OwnerId = owner.Id }));
                await store.SaveManyAsync([new RoomMemberRecord(room, owner.Id, MemberStatus.Member, Profile: owner),
                    .. Enumerable.Range(1, size - 1).Select(i => new RoomMemberRecord(room, $"m{i:D6}", MemberStatus.Member,
                        Profile: new UserProfile($"m{i:D6}", "Member", null)))]);
                await cluster.Client.GetGrain<IGroupRoomGrain>(room).Attach(gateway.Ref, owner.Id); // activates it
                var joiners = Enumerable.Range(0, Joins).Select(i => Names.NewProfile($"{prefix}joiner{i:D4}-{Guid.NewGuid():N}")).ToList();
                var version = await StateVersionAsync(dataSource, room);
                var wal = await WalPositionAsync(dataSource);
                var before = store.Writes.Snapshot();

                foreach (var joiner in joiners)
                {
                    await gateway.Join(room, joiner);
                }

                var writes = store.Writes.Snapshot().Since(before);
                var walBytes = await WalBytesSinceAsync(dataSource, wal);
                Assert.Equal(version, await StateVersionAsync(dataSource, room)); // the room's grain state was not rewritten
                Assert.Equal(size + Joins, (await store.LoadStandingsAsync(room)).Count);
                output.WriteLine($"room of {size}: {Joins} joins wrote {writes.Rows} member rows, {writes.Bytes} payload bytes, {walBytes} bytes of WAL");
                measured.Add((writes, walBytes));
            }

            var (small, large) = (measured[0], measured[1]);
            Assert.Equal(new RoomMemberWriteCount(Joins, small.Writes.Bytes), small.Writes);
            Assert.Equal(small.Writes, large.Writes);
            // The WAL counts everything the database wrote for the joins (member rows, index entries, the joiners' user
            // grain state), so it is compared with a margin for page images after a checkpoint; one rewrite of a
            // 10,000-member blob alone would be hundreds of kilobytes per join.
            Assert.True(large.WalBytes < (2 * small.WalBytes) + (64 * 1024), $"WAL of {Joins} joins: {small.WalBytes} bytes in a room of 10, {large.WalBytes} in a room of 10,000");
        }
        finally
        {
            await StorageTestDatabase.StopAsync(cluster);
        }
    }

    [Fact]
    public async Task A_room_state_written_with_every_member_in_it_moves_them_into_rows_and_keeps_working()
    {
        var connectionString = await StorageTestDatabase.NewMigratedAsync(postgres, "room_members_legacy");
        var cluster = await StartClusterAsync(connectionString);
        try
        {
            await using var gateway = new TestGateway(cluster.Client, renew: false, TimeSpan.FromSeconds(1));
            var silo = cluster.Primary as InProcessSiloHandle ?? throw new InvalidOperationException("the test silo runs in process");
            var grainStorage = silo.SiloHost.Services.GetRequiredKeyedService<IGrainStorage>(ChatSiloExtensions.StorageName);
            var store = silo.SiloHost.Services.GetRequiredService<IRoomMemberStore>();
            var room = Names.New("legacy");
            var (owner, admin, member, banned) = (Names.User("owner"), Names.User("admin"), Names.User("member"), Names.User("banned"));
            var until = DateTimeOffset.UtcNow.AddHours(1);
            var old = new RoomStateBeforeMemberRows
            {
                CreatedAt = DateTimeOffset.UtcNow.AddDays(-3),
                OwnerId = owner.Id,
                Members = new(StringComparer.Ordinal) { [owner.Id] = owner, [admin.Id] = admin, [member.Id] = member },
                Admins = new(StringComparer.Ordinal) { admin.Id },
                Banned = new(StringComparer.Ordinal) { banned.Id },
                MutedUntil = new(StringComparer.Ordinal) { [member.Id] = until },
            };
            var grainId = cluster.Client.GetGrain<IGroupRoomGrain>(room).GetGrainId();
            await grainStorage.WriteStateAsync("room", grainId, new GrainState<RoomStateBeforeMemberRows>(old));

            var members = (await cluster.Client.GetGrain<IGroupRoomGrain>(room).GetMembers(owner.Id)).ToDictionary(m => m.User.Id);

            Assert.Equal(
                new[] { admin, member, owner }.OrderBy(u => u.Id, StringComparer.Ordinal),
                members.Values.Select(m => m.User).OrderBy(u => u.Id, StringComparer.Ordinal));
            Assert.Equal((RoomRole?)RoomRole.Owner, members[owner.Id].Role);
            Assert.Equal((RoomRole?)RoomRole.Admin, members[admin.Id].Role);
            Assert.Equal(until.ToUnixTimeMilliseconds(), members[member.Id].MutedUntil);
            Assert.Equal(MemberStatus.Banned, (await store.FindAsync(room, banned.Id))?.Status);
            var stored = new GrainState<RoomState>(new RoomState());
            await grainStorage.ReadStateAsync("room", grainId, stored);
            var state = stored.State ?? throw new InvalidOperationException("the room's state was not stored");
            Assert.False(state.HasLegacyMembers); // the blob keeps only the room's metadata now
            Assert.Equal((owner.Id, old.CreatedAt), (state.OwnerId, state.CreatedAt));

            var refused = await Assert.ThrowsAsync<ChatException>(() => gateway.Join(room, banned));
            Assert.Equal(ChatErrorCode.Forbidden, refused.Code);
            await cluster.Client.GetGrain<IGroupRoomGrain>(room).Leave(owner.Id);
            var heir = (await cluster.Client.GetGrain<IGroupRoomGrain>(room).GetMembers(admin.Id)).Single(m => m.User.Id == admin.Id);
            Assert.Equal((RoomRole?)RoomRole.Owner, heir.Role);
        }
        finally
        {
            await StorageTestDatabase.StopAsync(cluster);
        }
    }

    private static async Task<TestCluster> StartClusterAsync(string connectionString)
    {
        var builder = new TestClusterBuilder(1);
        builder.Options.ServiceId = "orleanschat-room-members";
        builder.ConfigureHostConfiguration(config => config.AddInMemoryCollection(new Dictionary<string, string?>
        {
            [SiloCommands.PostgresConnectionStringKey] = connectionString,
            ["Storage:Provider"] = "Postgres",
            ["MessageLog:Provider"] = "Postgres",
            ["MessageLog:Postgres:ConnectionString"] = connectionString,
        }));
        builder.Options.SiloBuilderConfiguratorTypes.Add(typeof(ChatGrainStateStorageTests.ChatStorageSiloConfigurator).AssemblyQualifiedName!);
        var cluster = builder.Build();
        await cluster.DeployAsync();
        return cluster;
    }

    /// <summary>The room grain state row's version: AdoNetGrainStorage bumps it on every write.</summary>
    private static async Task<int> StateVersionAsync(NpgsqlDataSource dataSource, string room)
    {
        await using var command = dataSource.CreateCommand("SELECT Version FROM OrleansStorage WHERE GrainIdExtensionString = @room");
        command.Parameters.AddWithValue("room", room);
        return (int)(await command.ExecuteScalarAsync() ?? throw new InvalidOperationException($"no grain state row for room '{room}'"));
    }

    private static async Task<string> WalPositionAsync(NpgsqlDataSource dataSource)
    {
        await using var command = dataSource.CreateCommand("SELECT pg_current_wal_insert_lsn()::text");
        return (string)(await command.ExecuteScalarAsync())!;
    }

    private static async Task<long> WalBytesSinceAsync(NpgsqlDataSource dataSource, string position)
    {
        await using var command = dataSource.CreateCommand("SELECT pg_wal_lsn_diff(pg_current_wal_insert_lsn(), @position::pg_lsn)::bigint");
        command.Parameters.AddWithValue("position", position);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
