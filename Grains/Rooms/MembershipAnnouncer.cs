using OrleansChat.Model;
using OrleansChat.Protocol;

namespace OrleansChat.Grains.Rooms;

/// <summary>
/// Decides how a room announces each join and leave. A room of up to <c>Chat:AnnounceMaxMembers</c> members announces
/// every change at once with its own <c>room.joined</c> / <c>room.left</c>, as rooms always did. A bigger room coalesces
/// them: a change in a quiet room goes out at once as a <c>room.activity</c> frame and opens a window; changes during
/// the window accumulate, and a timer flushes them at most once per <see cref="FlushPeriod"/>; a tick with nothing to
/// flush closes the window and drops the timer, so an idle room has none. Why: a frame per join to every member costs
/// O(n²) frames to fill a room of n (8.2 million for 5,000); coalesced, each member gets at most one frame a second.
/// A room with <see cref="RoomNotices.Off"/> announces nothing. Runs inside the room grain's turns (its timer too), so
/// it needs no locking.
/// </summary>
public sealed class MembershipAnnouncer(
    string room,
    int maxMembers,
    Func<int> memberCount,
    Func<RoomNotices> notices,
    Action<ServerFrame> broadcast,
    Func<Func<Task>, TimeSpan, IDisposable> startTimer,
    TimeProvider time)
{
    public static readonly TimeSpan FlushPeriod = TimeSpan.FromSeconds(1);

    // In arrival order, so that a frame names the first to come; keyed so that a join and a leave of the same user
    // within one window cancel out (the frame says who is new and who is gone, not every step).
    private readonly OrderedDictionary<string, UserProfile> _joined = new(StringComparer.Ordinal);
    private readonly OrderedDictionary<string, UserProfile> _left = new(StringComparer.Ordinal);
    private IDisposable? _window;

    /// <summary>True while a window is open: changes accumulate and the timer runs.</summary>
    public bool Coalescing => _window is not null;

    /// <summary><paramref name="user"/> has just become a member (the member count includes them).</summary>
    public void Joined(UserProfile user)
    {
        if (notices() == RoomNotices.Off)
        {
            return;
        }

        if (AnnouncesEachChange)
        {
            broadcast(new RoomJoinedEvent(room, user, NowMs));
            return;
        }

        if (!_left.Remove(user.Id))
        {
            _joined[user.Id] = user;
        }

        OpenWindow();
    }

    /// <summary><paramref name="user"/> has just left (the member count no longer includes them).</summary>
    public void Left(UserProfile user)
    {
        if (notices() == RoomNotices.Off)
        {
            return;
        }

        if (AnnouncesEachChange)
        {
            broadcast(new RoomLeftEvent(room, user, NowMs));
            return;
        }

        if (!_joined.Remove(user.Id))
        {
            _left[user.Id] = user;
        }

        OpenWindow();
    }

    /// <summary>A member removed by a moderator (announced on its own): a pending join of theirs is no longer news.</summary>
    public void Removed(string userId) => _joined.Remove(userId);

    /// <summary>
    /// While a window is open even a room that has shrunk to the threshold keeps coalescing until the window closes,
    /// so that its frames never overtake changes still pending.
    /// </summary>
    private bool AnnouncesEachChange => _window is null && memberCount() <= maxMembers;

    private long NowMs => time.GetUtcNow().ToUnixTimeMilliseconds();

    private void OpenWindow()
    {
        if (_window is not null)
        {
            return;
        }

        Flush(); // the first change in a quiet room is not held back
        _window = startTimer(TickAsync, FlushPeriod);
    }

    private Task TickAsync()
    {
        if (!Flush())
        {
            _window?.Dispose();
            _window = null;
        }

        return Task.CompletedTask;
    }

    /// <summary>Sends what accumulated, if anything did; false when there was nothing.</summary>
    private bool Flush()
    {
        if (_joined.Count == 0 && _left.Count == 0)
        {
            return false;
        }

        if (notices() != RoomNotices.Off)
        {
            broadcast(new RoomActivityEvent(
                room, Named(_joined), _joined.Count, Named(_left), _left.Count, memberCount(), NowMs));
        }

        _joined.Clear();
        _left.Clear();
        return true;
    }

    private static UserProfile[] Named(OrderedDictionary<string, UserProfile> users) =>
        [.. users.Values.Take(RoomActivityEvent.MaxNamed)];
}
