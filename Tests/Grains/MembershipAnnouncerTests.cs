using Microsoft.Extensions.Time.Testing;
using OrleansChat.Grains.Rooms;
using OrleansChat.Model;
using OrleansChat.Protocol;
using OrleansChat.Tests.Infrastructure;

namespace OrleansChat.Tests.Grains;

/// <summary>
/// The announcer's decisions, one change at a time, with its timer in the test's hands: each tick is the grain timer
/// firing. The grain-level behaviour (a real timer, a real cluster) is in <see cref="RoomAnnouncementTests"/>.
/// </summary>
public sealed class MembershipAnnouncerTests
{
    private const int Threshold = 3;

    private readonly FakeTimeProvider _time = new(DateTimeOffset.FromUnixTimeMilliseconds(1_000_000));
    private readonly List<ServerFrame> _sent = [];
    private readonly List<UserProfile> _members = [];
    private RoomNotices _notices = RoomNotices.Auto;
    private Func<Task>? _tick;
    private int _timersStarted;
    private int _timersStopped;

    private MembershipAnnouncer NewAnnouncer() => new(
        "hall", Threshold, () => _members.Count, () => _notices, _sent.Add, StartTimer, _time);

    private bool TimerRunning => _timersStarted > _timersStopped;

    [Fact]
    public void Up_to_the_threshold_every_change_gets_its_own_frame_at_once_and_no_timer_runs()
    {
        var announcer = NewAnnouncer();
        var users = Enumerable.Range(0, Threshold).Select(_ => Names.User()).ToList();

        foreach (var user in users)
        {
            Join(announcer, user);
        }

        Leave(announcer, users[0]);

        Assert.Equal(users.Select(u => u.Id), _sent.OfType<RoomJoinedEvent>().Select(e => e.User.Id));
        Assert.Equal(users[0], Assert.Single(_sent.OfType<RoomLeftEvent>()).User);
        Assert.Equal(Threshold + 1, _sent.Count);
        Assert.Equal(0, _timersStarted);
        Assert.All(_sent.OfType<RoomJoinedEvent>(), e => Assert.Equal(("hall", 1_000_000L), (e.Room, e.Ts)));
    }

    [Fact]
    public async Task Above_it_the_first_change_goes_at_once_then_one_capped_frame_per_tick_and_an_idle_tick_stops_the_timer()
    {
        var announcer = NewAnnouncer();
        FillTo(announcer, Threshold);
        _sent.Clear();

        var first = Names.User("first");
        Join(announcer, first);
        var leading = Assert.IsType<RoomActivityEvent>(Assert.Single(_sent));
        Assert.Equal(first, Assert.Single(leading.Joined));
        Assert.Equal((1, 0, Threshold + 1), (leading.JoinedCount, leading.LeftCount, leading.Members));
        Assert.True(TimerRunning);

        var burst = Enumerable.Range(0, 50).Select(i => Names.User($"b{i}")).ToList();
        foreach (var user in burst)
        {
            Join(announcer, user);
        }

        Leave(announcer, first);
        Assert.Single(_sent); // nothing more until the timer fires

        _time.Advance(MembershipAnnouncer.FlushPeriod);
        await _tick!();
        var flushed = Assert.IsType<RoomActivityEvent>(_sent[1]);
        Assert.Equal(burst.Take(RoomActivityEvent.MaxNamed), flushed.Joined);
        Assert.Equal((50, 1, Threshold + 50), (flushed.JoinedCount, flushed.LeftCount, flushed.Members));
        Assert.Equal([first], flushed.Left);
        Assert.Equal(1_001_000L, flushed.Ts);

        await _tick!(); // nothing pending: the window closes and the timer goes
        Assert.Equal(2, _sent.Count);
        Assert.False(TimerRunning);

        var late = Names.User("late");
        Join(announcer, late); // a quiet big room again: announced at once, in a new window
        Assert.Equal([late], Assert.IsType<RoomActivityEvent>(_sent[2]).Joined);
        Assert.Equal(2, _timersStarted);
    }

    [Fact]
    public async Task A_join_and_leave_within_one_window_cancel_out_and_a_moderators_removal_drops_a_pending_join()
    {
        var announcer = NewAnnouncer();
        FillTo(announcer, Threshold + 1); // the last of these opened the window
        var (comer, stayer, kicked) = (Names.User("comer"), Names.User("stayer"), Names.User("kicked"));

        Join(announcer, comer);
        Join(announcer, stayer);
        Join(announcer, kicked);
        Leave(announcer, comer);
        _members.Remove(kicked);
        announcer.Removed(kicked.Id);
        var leaver = _members[0];
        Leave(announcer, leaver);
        Join(announcer, leaver); // left and came back: still a member, nothing to say

        var before = _sent.Count;
        await _tick!();
        var frame = Assert.IsType<RoomActivityEvent>(Assert.Single(_sent.Skip(before)));
        Assert.Equal(stayer, Assert.Single(frame.Joined));
        Assert.Equal(1, frame.JoinedCount);
        Assert.Equal((0, 0), (frame.Left.Count, frame.LeftCount));
    }

    [Fact]
    public async Task A_room_shrinking_to_the_threshold_keeps_coalescing_until_its_window_closes()
    {
        var announcer = NewAnnouncer();
        FillTo(announcer, Threshold + 2);
        await _tick!();
        var before = _sent.Count;
        var gone = _members.TakeLast(2).ToList();
        foreach (var user in gone)
        {
            Leave(announcer, user); // down to the threshold while the window is open
        }

        Assert.Equal(before, _sent.Count); // no room.left: held for the window
        await _tick!();
        var frame = Assert.IsType<RoomActivityEvent>(Assert.Single(_sent.Skip(before)));
        Assert.Equal(gone, frame.Left);
        Assert.Equal((2, Threshold), (frame.LeftCount, frame.Members));

        await _tick!();
        Assert.False(TimerRunning);
        var last = _members[^1];
        Leave(announcer, last); // window closed, a small room: one frame per change again
        Assert.Equal(last, Assert.IsType<RoomLeftEvent>(_sent[^1]).User);
    }

    [Fact]
    public async Task Notices_off_sends_nothing_starts_no_timer_and_drops_what_was_pending()
    {
        var announcer = NewAnnouncer();
        _notices = RoomNotices.Off;
        FillTo(announcer, Threshold + 5);
        Assert.Empty(_sent);
        Assert.Equal(0, _timersStarted);

        _notices = RoomNotices.Auto;
        Join(announcer, Names.User()); // opens a window: the leading frame goes out
        Join(announcer, Names.User()); // pending
        _notices = RoomNotices.Off;
        await _tick!();
        Assert.Single(_sent);
        await _tick!();
        Assert.False(TimerRunning);
    }

    private void FillTo(MembershipAnnouncer announcer, int count)
    {
        while (_members.Count < count)
        {
            Join(announcer, Names.User());
        }
    }

    private void Join(MembershipAnnouncer announcer, UserProfile user)
    {
        _members.Add(user);
        announcer.Joined(user);
    }

    private void Leave(MembershipAnnouncer announcer, UserProfile user)
    {
        _members.Remove(user);
        announcer.Left(user);
    }

    private Stopper StartTimer(Func<Task> tick, TimeSpan period)
    {
        Assert.Equal(MembershipAnnouncer.FlushPeriod, period);
        _tick = tick;
        _timersStarted++;
        return new Stopper(() => _timersStopped++);
    }

    private sealed class Stopper(Action stop) : IDisposable
    {
        public void Dispose() => stop();
    }
}
