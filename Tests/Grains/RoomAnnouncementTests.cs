using System.Diagnostics;
using OrleansChat.Grains;
using OrleansChat.Model;
using OrleansChat.Protocol;
using OrleansChat.Tests.Infrastructure;

namespace OrleansChat.Tests.Grains;

/// <summary>
/// Join and leave notices on a real 2-silo cluster with its real grain timer, Chat:AnnounceMaxMembers being
/// <see cref="ClusterFixture.AnnounceMaxMembers"/>: one frame per change up to it, coalesced frames above it (at most
/// one a second), none when the room switched them off. Frame counts are bounded by the measured duration of each
/// burst, never by a guess at how fast the machine is.
/// </summary>
[Collection(SharedCluster.Name)]
public sealed class RoomAnnouncementTests(ClusterFixture fixture)
{
    private const int Threshold = ClusterFixture.AnnounceMaxMembers;

    private IGroupRoomGrain Room(string name) => fixture.Client.GetGrain<IGroupRoomGrain>(name);

    [Fact]
    public async Task A_room_up_to_the_threshold_announces_each_join_and_leave_with_its_own_frame()
    {
        await using var gateway = fixture.NewGateway();
        var room = Names.New("room");
        var users = await FillAsync(gateway, room, Threshold);

        await Room(room).Leave(users[^1].Id);
        await gateway.Recorder.WaitForFrames<RoomLeftEvent>(room);

        Assert.Equal(users.Select(u => u.Id).Order(), gateway.Recorder.Frames<RoomJoinedEvent>(room).Select(e => e.User.Id).Order());
        Assert.Equal(users[^1], Assert.Single(gateway.Recorder.Frames<RoomLeftEvent>(room)).User);
        Assert.Empty(gateway.Recorder.Frames<RoomActivityEvent>(room));
    }

    [Fact]
    public async Task Above_the_threshold_a_burst_of_joins_is_coalesced_into_at_most_one_frame_a_second()
    {
        await using var gateway = fixture.NewGateway();
        var room = Names.New("room");
        await FillAsync(gateway, room, Threshold);
        var burst = Enumerable.Range(0, 100).Select(i => Names.User($"b{i}")).ToList();

        var watch = Stopwatch.StartNew();
        await Task.WhenAll(burst.Select(u => gateway.Join(room, u)));
        var duration = watch.Elapsed;
        await gateway.Recorder.WaitForAnnouncedJoins(room, Threshold + burst.Count);

        Assert.Equal(Threshold, gateway.Recorder.Frames<RoomJoinedEvent>(room).Count); // none per join above it
        var frames = gateway.Recorder.Frames<RoomActivityEvent>(room);
        Assert.InRange(frames.Count, 1, Math.Ceiling(duration.TotalSeconds) + 1);
        Assert.Equal(burst.Count, frames.Sum(f => f.JoinedCount));
        AssertNamesCapped(frames, f => f.Joined, f => f.JoinedCount);
        Assert.All(frames, f => Assert.Equal((0, 0), (f.Left.Count, f.LeftCount)));
        var named = frames.SelectMany(f => f.Joined).Select(u => u.Id).ToList();
        Assert.Equal(named.Count, named.Distinct().Count());
        Assert.Subset(burst.Select(u => u.Id).ToHashSet(), named.ToHashSet());
        Assert.Equal(Threshold + burst.Count, frames.Max(f => f.Members)); // by value: one-way frames may be recorded out of order
    }

    [Fact]
    public async Task Filling_a_room_costs_frames_linear_in_its_size_not_quadratic()
    {
        const int Size = 200;
        await using var gateway = fixture.NewGateway();
        var room = Names.New("room");
        var members = Enumerable.Range(0, Size).Select(_ => Names.User()).ToList();

        var watch = Stopwatch.StartNew();
        foreach (var batch in members.Chunk(50))
        {
            await Task.WhenAll(batch.Select(m => gateway.Join(room, m)));
        }

        var duration = watch.Elapsed;
        await gateway.Recorder.WaitForAnnouncedJoins(room, Size);

        // What the gateways write to sockets when every member is online: each notice goes to every member of the
        // moment. The k-th per-join notice reaches k members; a coalesced one reaches the count it carries.
        var perJoin = gateway.Recorder.Frames<RoomJoinedEvent>(room).Count;
        var coalesced = gateway.Recorder.Frames<RoomActivityEvent>(room);
        long socketFrames = (perJoin * (perJoin + 1L) / 2) + coalesced.Sum(f => (long)f.Members);

        Assert.Equal(Threshold, perJoin);
        var linearBound = (Threshold * (Threshold + 1L) / 2) + ((long)Math.Ceiling(duration.TotalSeconds) + 1) * Size;
        Assert.True(socketFrames <= linearBound, $"{socketFrames} socket frames to fill {Size} in {duration}, over {linearBound}");
        Assert.True(socketFrames < Size * (Size + 1L) / 2, $"{socketFrames} socket frames: no better than one notice per join");
    }

    [Fact]
    public async Task Above_the_threshold_a_burst_of_leaves_is_coalesced_too()
    {
        await using var gateway = fixture.NewGateway();
        var room = Names.New("room");
        var members = await FillAsync(gateway, room, Threshold + 60);
        var leavers = members.TakeLast(50).ToList(); // the room stays above the threshold throughout
        var before = gateway.Recorder.Frames<RoomActivityEvent>(room).Count;

        var watch = Stopwatch.StartNew();
        await Task.WhenAll(leavers.Select(u => Room(room).Leave(u.Id)));
        var duration = watch.Elapsed;
        await gateway.Recorder.WaitUntil(_ => gateway.Recorder.Frames<RoomActivityEvent>(room).Sum(f => f.LeftCount) >= leavers.Count);

        Assert.Empty(gateway.Recorder.Frames<RoomLeftEvent>(room));
        var frames = gateway.Recorder.Frames<RoomActivityEvent>(room).Skip(before).Where(f => f.LeftCount > 0).ToList();
        Assert.InRange(frames.Count, 1, Math.Ceiling(duration.TotalSeconds) + 1);
        Assert.Equal(leavers.Count, frames.Sum(f => f.LeftCount));
        AssertNamesCapped(frames, f => f.Left, f => f.LeftCount);
        Assert.Subset(leavers.Select(u => u.Id).ToHashSet(), frames.SelectMany(f => f.Left).Select(u => u.Id).ToHashSet());
        Assert.Equal(Threshold + 10, frames.Min(f => f.Members));
    }

    [Fact]
    public async Task A_room_with_notices_off_announces_no_join_or_leave_until_switched_back()
    {
        await using var gateway = fixture.NewGateway();
        var room = Names.New("room");
        var (owner, early) = (Names.User("owner"), Names.User("early"));
        await gateway.Create(room, owner, RoomVisibility.Public);
        await gateway.Join(room, early);
        await gateway.Recorder.WaitForFrames<RoomJoinedEvent>(room, 2);

        var refused = await Assert.ThrowsAsync<ChatException>(() => Room(room).SetNotices(early, RoomNotices.Off));
        Assert.Equal(ChatErrorCode.Forbidden, refused.Code);
        await Room(room).SetNotices(owner, RoomNotices.Off);
        await fixture.Cluster.DeactivateAsync(Room(room)); // the switch is kept with the room

        var quiet = Enumerable.Range(0, Threshold + 10).Select(_ => Names.User("quiet")).ToList();
        foreach (var user in quiet)
        {
            await gateway.Join(room, user); // below the threshold, then above it
        }

        await Room(room).Leave(quiet[0].Id);
        await Room(room).SetNotices(owner, RoomNotices.Auto);
        var marker = Names.User("marker");
        await gateway.Join(room, marker);

        var activity = await gateway.Recorder.WaitForFrames<RoomActivityEvent>(room);
        Assert.Equal(marker, Assert.Single(Assert.Single(activity).Joined));
        Assert.Equal((1, 0), (activity[0].JoinedCount, activity[0].LeftCount));
        Assert.Equal([early.Id, owner.Id], gateway.Recorder.Frames<RoomJoinedEvent>(room).Select(e => e.User.Id).Order());
        Assert.Empty(gateway.Recorder.Frames<RoomLeftEvent>(room));
    }

    /// <summary>Joins <paramref name="count"/> new users one after another and waits until every join was announced.</summary>
    private static async Task<List<UserProfile>> FillAsync(TestGateway gateway, string room, int count)
    {
        var users = Enumerable.Range(0, count).Select(_ => Names.User()).ToList();
        foreach (var user in users)
        {
            await gateway.Join(room, user);
        }

        await gateway.Recorder.WaitForAnnouncedJoins(room, count);
        return users;
    }

    private static void AssertNamesCapped(
        IReadOnlyList<RoomActivityEvent> frames, Func<RoomActivityEvent, IReadOnlyList<UserProfile>> named, Func<RoomActivityEvent, int> count) =>
        Assert.All(frames, f => Assert.Equal(Math.Min(RoomActivityEvent.MaxNamed, count(f)), named(f).Count));
}
