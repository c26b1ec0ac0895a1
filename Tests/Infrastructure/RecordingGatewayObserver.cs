using System.Diagnostics;
using OrleansChat.Grains;
using OrleansChat.Protocol;

namespace OrleansChat.Tests.Infrastructure;

/// <summary>One call a grain made on a gateway.</summary>
public sealed record GatewayCall(string Method, string Target, ServerFrame? Frame, string? Room = null, bool? Joined = null);

/// <summary>A stand-in gateway: records every call; tests await what they expect with a deadline.</summary>
public sealed class RecordingGatewayObserver : IGatewayObserver
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);

    private readonly List<GatewayCall> _calls = [];
    private readonly Lock _lock = new();
    private int _userDeliveryCalls;

    public IReadOnlyList<GatewayCall> Calls
    {
        get
        {
            lock (_lock)
            {
                return [.. _calls];
            }
        }
    }

    public Task DeliverToRoom(string room, ServerFrame frame) => Record(new GatewayCall(nameof(DeliverToRoom), room, frame));

    /// <summary>Recorded as one <see cref="DeliverToRoom"/> per frame, so that tests find a room's frames in order whatever call brought them.</summary>
    public Task DeliverManyToRoom(string room, ServerFrame[] frames)
    {
        foreach (var frame in frames)
        {
            Record(new GatewayCall(nameof(DeliverToRoom), room, frame));
        }

        return Task.CompletedTask;
    }

    /// <summary>Recorded as one call per user, so that tests find a user's frames by target; <see cref="UserDeliveryCalls"/> counts the calls.</summary>
    public Task DeliverToUsers(IReadOnlyList<string> userIds, ServerFrame frame)
    {
        Interlocked.Increment(ref _userDeliveryCalls);
        foreach (var userId in userIds)
        {
            Record(new GatewayCall(nameof(DeliverToUsers), userId, frame));
        }

        return Task.CompletedTask;
    }

    /// <summary>How many <see cref="DeliverToUsers"/> calls this gateway received.</summary>
    public int UserDeliveryCalls => Volatile.Read(ref _userDeliveryCalls);

    public Task RoomMembershipChanged(string userId, string room, bool joined) =>
        Record(new GatewayCall(nameof(RoomMembershipChanged), userId, null, room, joined));

    /// <summary>A stand-in holds no sockets: it never registers with the gateway directory, so grains do not ask it.</summary>
    public Task<string[]> LocalUsersIn(string room) => Task.FromResult<string[]>([]);

    public Task<string[]> LocalConnectionsOf(string userId) => Task.FromResult<string[]>([]);

    /// <summary>The frames of type <typeparamref name="T"/> delivered to room or user <paramref name="target"/>.</summary>
    public IReadOnlyList<T> Frames<T>(string target)
        where T : ServerFrame =>
        [.. Calls.Where(c => c.Target == target).Select(c => c.Frame).OfType<T>()];

    /// <summary>Waits until the recorded calls satisfy <paramref name="condition"/>, or fails at the deadline.</summary>
    public async Task<IReadOnlyList<GatewayCall>> WaitUntil(Func<IReadOnlyList<GatewayCall>, bool> condition, TimeSpan? timeout = null)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var calls = Calls;
            if (condition(calls))
            {
                return calls;
            }

            if (deadline.Elapsed > (timeout ?? DefaultTimeout))
            {
                throw new TimeoutException($"Condition not met within {timeout ?? DefaultTimeout}; {calls.Count} calls recorded:\n"
                    + string.Join("\n", calls.TakeLast(20)));
            }

            await Task.Delay(20);
        }
    }

    /// <summary>Waits until <paramref name="count"/> frames of type <typeparamref name="T"/> reached <paramref name="target"/>.</summary>
    public async Task<IReadOnlyList<T>> WaitForFrames<T>(string target, int count = 1, Func<T, bool>? where = null)
        where T : ServerFrame
    {
        IReadOnlyList<T> Matching() => [.. Frames<T>(target).Where(where ?? (_ => true))];
        await WaitUntil(_ => Matching().Count >= count);
        return Matching();
    }

    /// <summary>
    /// Joins announced to <paramref name="room"/> so far, one by one (<c>room.joined</c>) or coalesced (<c>room.activity</c>):
    /// above Chat:AnnounceMaxMembers a test cannot count joins by frames.
    /// </summary>
    public int AnnouncedJoins(string room) =>
        Frames<RoomJoinedEvent>(room).Count + Frames<RoomActivityEvent>(room).Sum(f => f.JoinedCount);

    /// <summary>Waits until <paramref name="count"/> joins were announced to <paramref name="room"/> (see <see cref="AnnouncedJoins"/>).</summary>
    public Task WaitForAnnouncedJoins(string room, int count) => WaitUntil(_ => AnnouncedJoins(room) >= count);

    private Task Record(GatewayCall call)
    {
        lock (_lock)
        {
            _calls.Add(call);
        }

        return Task.CompletedTask;
    }
}
