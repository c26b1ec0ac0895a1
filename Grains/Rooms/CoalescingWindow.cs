namespace OrleansChat.Grains.Rooms;

/// <summary>
/// Sends a room-wide summary at most once per <see cref="Period"/>: the first change in a quiet room is flushed at once
/// and opens a window; changes during the window are flushed by a timer tick; a tick that finds nothing to send closes
/// the window and drops the timer, so an idle room holds none (the pattern of <see cref="MembershipAnnouncer"/>).
/// Used by read receipts and room presence. Runs inside the room grain's turns (its timer too), so it needs no locking.
/// </summary>
/// <param name="flush">Sends what changed since the last flush; false when there was nothing to send.</param>
/// <param name="startTimer">Starts a periodic timer (the grain's) calling the given tick every period.</param>
public sealed class CoalescingWindow(Func<bool> flush, Func<Func<Task>, TimeSpan, IDisposable> startTimer)
{
    public static readonly TimeSpan Period = TimeSpan.FromSeconds(1);

    private IDisposable? _window;
    private bool _pending;

    /// <summary>True while a window is open: changes wait for the next tick.</summary>
    public bool Open => _window is not null;

    /// <summary>Something changed: sent at once in a quiet room, else at the next tick.</summary>
    public void Changed()
    {
        if (_window is not null)
        {
            _pending = true;
            return;
        }

        flush();
        _window = startTimer(TickAsync, Period);
    }

    /// <summary>Closes the window without flushing (the grain deactivates).</summary>
    public void Close()
    {
        _window?.Dispose();
        _window = null;
        _pending = false;
    }

    private Task TickAsync()
    {
        var sent = _pending && flush();
        _pending = false;
        if (!sent)
        {
            Close();
        }

        return Task.CompletedTask;
    }
}
