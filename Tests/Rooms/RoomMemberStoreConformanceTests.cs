using OrleansChat.Grains.Rooms;
using OrleansChat.Model;

namespace OrleansChat.Tests.Rooms;

/// <summary>
/// The contract of <see cref="IRoomMemberStore"/>, run against every backend by deriving from this class. Each test
/// uses its own room names, so backends may share one database across tests.
/// </summary>
public abstract class RoomMemberStoreConformanceTests
{
    protected static readonly UserProfile Alice = new("alice", "Alice", "https://cdn.example/alice.png");
    protected static readonly UserProfile Bob = new("bob", "Bob, the ünicode one", AvatarUrl: null);

    /// <summary>A store to test; backends that cannot run here call <c>Skip.If</c> in it.</summary>
    protected abstract Task<IRoomMemberStore> CreateStoreAsync();

    protected static string NewRoom() => $"r{Guid.NewGuid():N}";

    protected static RoomMemberRecord Member(string room, string userId, bool admin = false, long? mutedUntil = null) =>
        new(room, userId, MemberStatus.Member, admin, new UserProfile(userId, $"name of {userId}", null), mutedUntil);

    /// <summary><paramref name="count"/> members with ids of one length (u000000, u000001, ...), so every row has the same size.</summary>
    protected static IReadOnlyList<RoomMemberRecord> Members(string room, int count) =>
        [.. Enumerable.Range(0, count).Select(i => Member(room, $"u{i:D6}"))];

    [SkippableFact]
    public async Task Every_status_and_field_round_trips()
    {
        var store = await CreateStoreAsync();
        var room = NewRoom();
        RoomMemberRecord[] rows =
        [
            new(room, Alice.Id, MemberStatus.Member, IsAdmin: true, Alice, MutedUntilMs: 1_764_000_000_123),
            new(room, Bob.Id, MemberStatus.Member, IsAdmin: false, Bob),
            new(room, "carol", MemberStatus.Invited),
            new(room, "dave", MemberStatus.Banned, MutedUntilMs: 42),
            new(room, "erin", MemberStatus.Left, MutedUntilMs: long.MaxValue),
        ];

        foreach (var row in rows)
        {
            await store.SaveAsync(row);
        }

        foreach (var row in rows)
        {
            Assert.Equal(row, await store.FindAsync(room, row.UserId));
        }

        Assert.Null(await store.FindAsync(room, "nobody"));
        Assert.Null(await store.FindAsync(NewRoom(), Alice.Id));
    }

    [SkippableFact]
    public async Task Standings_are_every_row_of_the_room_without_profiles()
    {
        var store = await CreateStoreAsync();
        var room = NewRoom();
        await store.SaveManyAsync([Member(room, "a", admin: true, mutedUntil: 7), new(room, "b", MemberStatus.Banned), Member(NewRoom(), "c")]);

        var standings = (await store.LoadStandingsAsync(room)).OrderBy(r => r.UserId, StringComparer.Ordinal).ToList();

        Assert.Equal(
            [new RoomMemberRecord(room, "a", MemberStatus.Member, true, null, 7), new RoomMemberRecord(room, "b", MemberStatus.Banned)],
            standings);
        Assert.Empty(await store.LoadStandingsAsync(NewRoom()));
    }

    [SkippableFact]
    public async Task Saving_replaces_the_whole_row_and_deleting_removes_only_it()
    {
        var store = await CreateStoreAsync();
        var room = NewRoom();
        await store.SaveAsync(Member(room, Alice.Id, admin: true, mutedUntil: 99) with { Profile = Alice });
        await store.SaveAsync(Member(room, Bob.Id));

        var left = new RoomMemberRecord(room, Alice.Id, MemberStatus.Left, MutedUntilMs: 99);
        await store.SaveAsync(left);
        Assert.Equal(left, await store.FindAsync(room, Alice.Id));

        await store.DeleteAsync(room, Alice.Id);
        await store.DeleteAsync(room, Alice.Id); // already gone: no error
        Assert.Null(await store.FindAsync(room, Alice.Id));
        Assert.Equal(Member(room, Bob.Id), await store.FindAsync(room, Bob.Id));
    }

    [SkippableFact]
    public async Task Saving_many_keeps_the_last_record_of_a_user()
    {
        var store = await CreateStoreAsync();
        var room = NewRoom();

        await store.SaveManyAsync([Member(room, "a"), new RoomMemberRecord(room, "a", MemberStatus.Banned), Member(room, "b")]);

        Assert.Equal(new RoomMemberRecord(room, "a", MemberStatus.Banned), await store.FindAsync(room, "a"));
        Assert.Equal(2, (await store.LoadStandingsAsync(room)).Count);
    }

    [SkippableFact]
    public async Task Members_are_paged_in_ordinal_order_of_user_id_without_the_other_statuses()
    {
        var store = await CreateStoreAsync();
        var room = NewRoom();
        string[] memberIds = ["B", "a", "a-1", "b", "z_9", "Z"];
        await store.SaveManyAsync([.. memberIds.Select(id => Member(room, id)), new(room, "c-invited", MemberStatus.Invited),
            new(room, "c-banned", MemberStatus.Banned), new(room, "c-left", MemberStatus.Left, MutedUntilMs: long.MaxValue)]);
        var ordered = memberIds.Order(StringComparer.Ordinal).ToList(); // B, Z, a, a-1, b, z_9

        var first = await store.ListMembersAsync(room, afterUserId: null, limit: 4);
        Assert.Equal(ordered.Take(4), first.Members.Select(m => m.UserId));
        Assert.Equal(Member(room, "B"), first.Members[0]); // with the profile
        Assert.Equal("a-1", first.Next);

        var last = await store.ListMembersAsync(room, first.Next, limit: 4);
        Assert.Equal(ordered.Skip(4), last.Members.Select(m => m.UserId));
        Assert.Null(last.Next);

        var exact = await store.ListMembersAsync(room, afterUserId: null, limit: 6); // exactly the rest: no next page
        Assert.Equal(ordered, exact.Members.Select(m => m.UserId));
        Assert.Null(exact.Next);

        Assert.Empty((await store.ListMembersAsync(room, "z_9", 10)).Members);
        Assert.Empty((await store.ListMembersAsync(NewRoom(), null, 10)).Members);
    }

    [SkippableFact]
    public async Task The_heir_is_the_smallest_admin_else_the_smallest_member()
    {
        var store = await CreateStoreAsync();
        var room = NewRoom();
        Assert.Null(await store.FindHeirAsync(room));

        await store.SaveManyAsync([Member(room, "m2"), Member(room, "m1"), new(room, "a0", MemberStatus.Banned), new(room, "a00", MemberStatus.Invited)]);
        Assert.Equal("m1", await store.FindHeirAsync(room));

        await store.SaveManyAsync([Member(room, "x2", admin: true), Member(room, "x1", admin: true)]);
        Assert.Equal("x1", await store.FindHeirAsync(room));

        await store.DeleteAsync(room, "x1");
        await store.SaveAsync(Member(room, "x2"));
        Assert.Equal("m1", await store.FindHeirAsync(room));
    }

    [SkippableFact]
    public async Task A_change_to_one_member_writes_one_row_of_the_same_size_in_a_room_of_10_and_of_2000()
    {
        var store = await CreateStoreAsync();
        var (small, large) = (NewRoom(), NewRoom()); // equal lengths, so equal keys
        await store.SaveManyAsync(Members(small, 10));
        await store.SaveManyAsync(Members(large, 2_000));

        var joinSmall = await WritesOf(store, () => store.SaveAsync(Member(small, "joiner")));
        var joinLarge = await WritesOf(store, () => store.SaveAsync(Member(large, "joiner")));
        var muteLarge = await WritesOf(store, () => store.SaveAsync(Member(large, "joiner", mutedUntil: 1)));
        var leaveSmall = await WritesOf(store, () => store.DeleteAsync(small, "joiner"));
        var leaveLarge = await WritesOf(store, () => store.DeleteAsync(large, "joiner"));

        Assert.Equal(new RoomMemberWriteCount(1, Member(small, "joiner").PayloadBytes), joinSmall);
        Assert.Equal(joinSmall, joinLarge);
        Assert.Equal(new RoomMemberWriteCount(1, joinLarge.Bytes + 8), muteLarge);
        Assert.Equal(new RoomMemberWriteCount(1, RoomMemberRecord.KeyBytes(small, "joiner")), leaveSmall);
        Assert.Equal(leaveSmall, leaveLarge);
    }

    protected static async Task<RoomMemberWriteCount> WritesOf(IRoomMemberStore store, Func<Task> write)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(write);
        var before = store.Writes.Snapshot();
        await write();
        return store.Writes.Snapshot().Since(before);
    }
}
