using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;
using Orleans.TestingHost;
using OrleansChat.Grains;
using OrleansChat.Grains.Hosting;
using OrleansChat.Grains.Rooms;
using OrleansChat.Model;
using OrleansChat.Protocol;
using OrleansChat.Tests.Infrastructure;

namespace OrleansChat.Tests.Grains;

/// <summary>
/// Members as rows (<see cref="IRoomMemberStore"/>): one change writes one row whatever the room's size, pages of
/// members, and a room stored the old way (everyone in the grain state) moving into rows when it activates.
/// </summary>
[Collection(SharedCluster.Name)]
public sealed class RoomMembershipTests(ClusterFixture fixture)
{
    private readonly IClusterClient _client = fixture.Client;

    private static InMemoryRoomMemberStore Store => ClusterFixture.SharedMembers;

    private IGroupRoomGrain Room(string name) => _client.GetGrain<IGroupRoomGrain>(name);

    [Fact]
    public async Task Joining_leaving_muting_and_promoting_write_the_same_in_a_room_of_10_as_in_a_room_of_10000()
    {
        await using var gateway = fixture.NewGateway(renew: false);
        var owner = Names.User("owner");
        var joiner = Names.User("joiner");
        var costs = new List<IReadOnlyList<RoomMemberWriteCount>>();
        foreach (var size in new[] { 10, 10_000 })
        {
            var room = Names.New("room"); // equal lengths: equal keys in both rooms
            // A room as stored after its members joined: metadata in the grain state, one row per member. Not active yet.
            await WriteGrainState(room, new RoomState { CreatedAt = DateTimeOffset.UtcNow, OwnerId = owner.Id });
            await Store.SaveManyAsync([new RoomMemberRecord(room, owner.Id, MemberStatus.Member, Profile: owner),
                .. Enumerable.Range(1, size - 1).Select(i =>
                    new RoomMemberRecord(room, $"m{i:D6}", MemberStatus.Member, Profile: new UserProfile($"m{i:D6}", "M", null)))]);
            var grain = Room(room);
            await grain.Attach(gateway.Ref, owner.Id); // activates it: every standing is loaded, no profile
            var stateVersion = await GrainStateETag(room);

            costs.Add(
            [
                await Writes(() => gateway.Join(room, joiner)),
                await Writes(() => grain.Mute(owner, joiner.Id, TimeSpan.FromMinutes(5))),
                await Writes(() => grain.SetRole(owner, joiner.Id, RoomRole.Admin)),
                await Writes(() => grain.Leave(joiner.Id)),
            ]);
            Assert.Equal(size, (await PagesOf(grain, owner.Id, limit: 500)).Count);
            Assert.Equal(stateVersion, await GrainStateETag(room)); // the room's grain state was not written at all
        }

        var (small, large) = (costs[0], costs[1]);
        Assert.All(small, c => Assert.Equal(1, c.Rows));
        Assert.Equal(small, large); // rows and bytes alike
        Assert.InRange(large[0].Bytes, 1, 200);
    }

    [Fact]
    public async Task A_room_of_100000_activates_joins_sends_and_pages_without_reading_every_profile()
    {
        await using var gateway = fixture.NewGateway(renew: false);
        var room = Names.New("room");
        var owner = Names.User("owner");
        await WriteGrainState(room, new RoomState { CreatedAt = DateTimeOffset.UtcNow, OwnerId = owner.Id });
        await Store.SaveManyAsync([new RoomMemberRecord(room, owner.Id, MemberStatus.Member, Profile: owner),
            .. Enumerable.Range(1, 99_999).Select(i => new RoomMemberRecord(room, $"m{i:D6}", MemberStatus.Member,
                Profile: new UserProfile($"m{i:D6}", "Member", null)))]);
        var grain = Room(room);
        var member = Names.NewProfile("m050000");
        var before = Store.ProfilesRead;

        await grain.Attach(gateway.Ref, owner.Id); // activation: standings only
        Assert.Equal(before, Store.ProfilesRead);
        await grain.Send(member, "c-1", new TextBody("one of 100,000")); // membership checked in memory
        var joiner = Names.User("joiner");
        await gateway.Join(room, joiner);
        await grain.Mute(owner, joiner.Id, TimeSpan.FromMinutes(1)); // one profile: the target's, for the announcement
        var page = await grain.GetMemberPage(owner.Id, after: null, limit: 50);

        Assert.Equal(50, page.Members.Count);
        Assert.Equal("m000049", page.Next);
        Assert.InRange(Store.ProfilesRead - before, 51, 53); // the page, the mute's target: never the room
    }

    [Fact]
    public async Task An_owner_who_is_no_member_any_more_is_succeeded_when_the_room_activates()
    {
        var room = Names.New("room");
        var (admin, member) = (Names.NewProfile("b-admin-" + Guid.NewGuid().ToString("N")[..6]), Names.NewProfile("a-member-" + Guid.NewGuid().ToString("N")[..6]));
        // An owner's leave cut short after their row went and before the room's state named the heir.
        await WriteGrainState(room, new RoomState { CreatedAt = DateTimeOffset.UtcNow, OwnerId = "gone-owner" });
        await Store.SaveManyAsync([new RoomMemberRecord(room, admin.Id, MemberStatus.Member, IsAdmin: true, admin),
            new RoomMemberRecord(room, member.Id, MemberStatus.Member, Profile: member)]);

        var roles = (await Room(room).GetMembers(member.Id)).ToDictionary(m => m.User.Id, m => m.Role);

        Assert.Equal((RoomRole?)RoomRole.Owner, roles[admin.Id]); // the admin before the smaller member id
        Assert.Equal((RoomRole?)RoomRole.Member, roles[member.Id]);
        Assert.Equal(admin.Id, (await ReadGrainState(room)).OwnerId);
        Assert.False((await Store.FindAsync(room, admin.Id))!.IsAdmin);
    }

    [Fact]
    public async Task Members_come_in_pages_in_user_id_order_with_roles_mutes_and_online_flags()
    {
        await using var gateway = fixture.NewGateway();
        var room = Names.New("room");
        var owner = Names.NewProfile("a-owner-" + Guid.NewGuid().ToString("N")[..6]);
        await gateway.Create(room, owner, RoomVisibility.Public);
        var others = Enumerable.Range(0, 6).Select(_ => Names.User("m")).ToList();
        foreach (var member in others.Skip(1))
        {
            await gateway.Join(room, member);
        }

        await using (var elsewhere = fixture.NewGateway(renew: false))
        {
            await elsewhere.Join(room, others[0]);
            await Room(room).Detach(elsewhere.Id, others[0].Id); // offline now, and still a member
        }

        await Room(room).SetRole(owner, others[1].Id, RoomRole.Admin);
        var until = await Room(room).Mute(owner, others[2].Id, TimeSpan.FromMinutes(5));

        var first = await Room(room).GetMemberPage(owner.Id, after: null, limit: 3);
        var second = await Room(room).GetMemberPage(owner.Id, first.Next, limit: 3);
        var third = await Room(room).GetMemberPage(owner.Id, second.Next, limit: 3);

        var expected = others.Append(owner).Select(u => u.Id).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(expected, first.Members.Concat(second.Members).Concat(third.Members).Select(m => m.User.Id));
        Assert.Equal((3, 3, 1), (first.Members.Count, second.Members.Count, third.Members.Count));
        Assert.Null(third.Next);
        var all = await Room(room).GetMembers(owner.Id);
        Assert.Equal(expected, all.Select(m => m.User.Id));
        var byId = all.ToDictionary(m => m.User.Id);
        Assert.Equal(owner, byId[owner.Id].User);
        Assert.Equal((RoomRole?)RoomRole.Owner, byId[owner.Id].Role);
        Assert.Equal((RoomRole?)RoomRole.Admin, byId[others[1].Id].Role);
        Assert.Equal(until, byId[others[2].Id].MutedUntil);
        Assert.False(byId[others[0].Id].Online);
        Assert.True(byId[others[3].Id].Online);
    }

    [Fact]
    public async Task A_room_stored_with_its_members_in_the_grain_state_moves_them_into_rows_when_it_activates()
    {
        await using var gateway = fixture.NewGateway();
        var room = Names.New("legacy");
        var (owner, admin, member, muted) = (Names.User("owner"), Names.User("admin"), Names.User("member"), Names.User("muted"));
        var (invited, banned, gone) = (Names.User("invited"), Names.User("banned"), Names.User("gone"));
        var mutedUntil = DateTimeOffset.UtcNow.AddHours(1);
        var legacy = new RoomState
        {
            CreatedAt = DateTimeOffset.UtcNow.AddDays(-1),
            Visibility = RoomVisibility.Private,
            OwnerId = owner.Id,
            LegacyMembers = new(StringComparer.Ordinal) { [owner.Id] = owner, [admin.Id] = admin, [member.Id] = member, [muted.Id] = muted },
            LegacyAdmins = new(StringComparer.Ordinal) { admin.Id },
            LegacyInvited = new(StringComparer.Ordinal) { invited.Id },
            LegacyBanned = new(StringComparer.Ordinal) { banned.Id },
            LegacyMutedUntil = new(StringComparer.Ordinal) { [muted.Id] = mutedUntil, [gone.Id] = mutedUntil },
        };
        await WriteGrainState(room, legacy);

        var members = (await Room(room).GetMembers(owner.Id)).ToDictionary(m => m.User.Id);

        Assert.Equal(
            new[] { owner, admin, member, muted }.OrderBy(u => u.Id, StringComparer.Ordinal),
            members.Values.Select(m => m.User).OrderBy(u => u.Id, StringComparer.Ordinal));
        Assert.Equal((RoomRole?)RoomRole.Owner, members[owner.Id].Role);
        Assert.Equal((RoomRole?)RoomRole.Admin, members[admin.Id].Role);
        Assert.Equal(mutedUntil.ToUnixTimeMilliseconds(), members[muted.Id].MutedUntil);
        var stored = await ReadGrainState(room);
        Assert.False(stored.HasLegacyMembers);
        Assert.Equal((RoomVisibility.Private, owner.Id, legacy.CreatedAt), (stored.Visibility, stored.OwnerId, stored.CreatedAt));
        Assert.Equal(MemberStatus.Invited, (await Store.FindAsync(room, invited.Id))?.Status);

        var refused = await Assert.ThrowsAsync<ChatException>(() => gateway.Join(room, banned));
        Assert.Equal(ChatErrorCode.Forbidden, refused.Code);
        await gateway.Join(room, invited); // the private room admits the invitation it had
        Assert.Equal(ChatErrorCode.Forbidden, (await Assert.ThrowsAsync<ChatException>(() => gateway.Join(room, gone))).Code);
        await Room(room).Invite(owner, gone.Id);
        await gateway.Join(room, gone);
        var stillMuted = await Assert.ThrowsAsync<ChatException>(() => Room(room).Send(gone, null, new TextBody("the mute outlived leaving")));
        Assert.Equal(ChatErrorCode.Forbidden, stillMuted.Code);
    }

    private static async Task<RoomMemberWriteCount> Writes(Func<Task> change)
    {
        var before = Store.Writes.Snapshot();
        await change();
        return Store.Writes.Snapshot().Since(before);
    }

    private static async Task<List<RoomMember>> PagesOf(IGroupRoomGrain grain, string askingUserId, int limit)
    {
        var all = new List<RoomMember>();
        string? after = null;
        do
        {
            var page = await grain.GetMemberPage(askingUserId, after, limit);
            all.AddRange(page.Members);
            after = page.Next;
        }
        while (after is not null);

        return all;
    }

    private IGrainStorage GrainStorage =>
        (fixture.Cluster.Primary as InProcessSiloHandle ?? throw new InvalidOperationException("the test silos run in process"))
            .SiloHost.Services.GetRequiredKeyedService<IGrainStorage>(ChatSiloExtensions.StorageName);

    private Task WriteGrainState(string room, RoomState roomState) =>
        GrainStorage.WriteStateAsync("room", Room(room).GetGrainId(), new GrainState<RoomState>(roomState));

    private async Task<RoomState> ReadGrainState(string room) => (await ReadStored(room)).State ?? throw new InvalidOperationException("no state");

    /// <summary>The stored state's version: it changes on every write of the room's grain state.</summary>
    private async Task<string?> GrainStateETag(string room) => (await ReadStored(room)).ETag;

    private async Task<GrainState<RoomState>> ReadStored(string room)
    {
        var read = new GrainState<RoomState>(new RoomState());
        await GrainStorage.ReadStateAsync("room", Room(room).GetGrainId(), read);
        return read;
    }
}
