using OrleansChat.Grains.Rooms;

namespace OrleansChat.Tests.Grains;

/// <summary>The window that caps receipts and presence at one frame a second per room, with its timer in the test's hands.</summary>
public sealed class CoalescingWindowTests
{
    private readonly List<int> _flushedAt = [];
    private Func<Task>? _tick;
    private int _started;
    private int _stopped;
    private bool _somethingToSend = true;

    private CoalescingWindow NewWindow() => new(Flush, (tick, period) =>
    {
        Assert.Equal(CoalescingWindow.Period, period);
        _tick = tick;
        _started++;
        return new Stop(() => _stopped++);
    });

    [Fact]
    public async Task The_first_change_is_flushed_at_once_and_later_ones_wait_for_one_tick_each()
    {
        var window = NewWindow();

        window.Changed();
        Assert.Single(_flushedAt);
        window.Changed();
        window.Changed();
        window.Changed();
        Assert.Single(_flushedAt); // held back until the tick, however many
        await _tick!();
        Assert.Equal(2, _flushedAt.Count);
        Assert.Equal(1, _started);
        Assert.True(window.Open);
    }

    [Fact]
    public async Task A_tick_with_nothing_pending_closes_the_window_and_the_next_change_goes_at_once()
    {
        var window = NewWindow();
        window.Changed();

        await _tick!();

        Assert.False(window.Open);
        Assert.Equal((1, 1), (_started, _stopped));
        window.Changed();
        Assert.Equal(2, _flushedAt.Count);
        Assert.Equal(2, _started);
    }

    [Fact]
    public async Task A_pending_change_that_turns_out_to_send_nothing_closes_the_window()
    {
        var window = NewWindow();
        window.Changed();
        window.Changed();
        _somethingToSend = false;

        await _tick!();

        Assert.False(window.Open);
        Assert.Equal(1, _stopped);
    }

    private bool Flush()
    {
        _flushedAt.Add(_flushedAt.Count);
        return _somethingToSend;
    }

    private sealed class Stop(Action stop) : IDisposable
    {
        public void Dispose() => stop();
    }
}
