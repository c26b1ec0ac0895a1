using Microsoft.Extensions.Time.Testing;
using OrleansChat.Grains;
using OrleansChat.Grains.Conversations;
using OrleansChat.Model;

namespace OrleansChat.Tests.Conversations;

/// <summary>
/// The read seq a sender's own messages move reaches their user grain once per <c>Chat:SenderReadFlushInterval</c>,
/// however many messages they sent meanwhile (a call and a state write each time), while summaries see it at once.
/// </summary>
public sealed class SenderReadFlushTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(30);

    private static ChatMessage Message(long seq, string from) =>
        new("dm:alice:bob", seq, seq, new UserProfile(from, from, null), new TextBody($"m{seq}"), ClientId: null);

    [Fact]
    public async Task Senders_are_told_once_per_interval_with_their_latest_seq_and_summaries_see_it_at_once()
    {
        var time = new FakeTimeProvider();
        var activity = new ConversationActivity();
        var told = new List<(string User, long Seq)>();

        Assert.True(activity.Appended(Message(1, "alice"))); // the first waiting seq: the caller schedules one flush
        var flush = activity.FlushLaterAsync(time, Interval, (user, seq) => told.Add((user, seq)));
        Assert.False(activity.Appended(Message(2, "bob")));
        Assert.False(activity.Appended(Message(3, "alice")));

        Assert.Equal((3L, 0L), activity.ReadStateOf("alice", storedReadSeq: 0, lastSeq: 3));
        time.Advance(Interval - TimeSpan.FromMilliseconds(1));
        Assert.Empty(told);

        time.Advance(TimeSpan.FromMilliseconds(1));
        await flush.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal([("alice", 3L), ("bob", 2L)], told.Order());
        Assert.True(activity.Appended(Message(4, "bob"))); // a new interval starts with the next message
    }

    [Fact]
    public async Task A_drawn_flush_comes_after_half_an_interval_and_by_one_and_a_half()
    {
        var time = new FakeTimeProvider();
        var activity = new ConversationActivity();
        var told = new List<(string User, long Seq)>();

        Assert.True(activity.Appended(Message(1, "alice")));
        var flush = activity.FlushAboutEveryAsync(time, Interval, (user, seq) => told.Add((user, seq)));
        time.Advance((Interval / 2) - TimeSpan.FromMilliseconds(1));
        Assert.Empty(told);

        time.Advance(Interval + TimeSpan.FromMilliseconds(1));
        await flush.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal([("alice", 1L)], told);
    }

    [Theory]
    [InlineData(0.0, 15)]
    [InlineData(0.5, 30)]
    [InlineData(0.999, 44.97)]
    [InlineData(7.0, 45)] // out of [0, 1): clamped, never longer than 1.5 intervals
    public void Flushes_are_spread_over_half_to_one_and_a_half_intervals(double unit, double seconds)
    {
        Assert.Equal(TimeSpan.FromSeconds(seconds), ConversationActivity.FlushDelay(Interval, unit));
    }

    [Theory]
    [InlineData("00:00:00.050")]
    [InlineData("00:10:00.001")]
    public void An_interval_outside_100_ms_to_10_min_is_refused(string interval)
    {
        var result = new ChatOptionsValidation().Validate(null, new ChatOptions { SenderReadFlushInterval = TimeSpan.Parse(interval, System.Globalization.CultureInfo.InvariantCulture) });

        Assert.False(result.Succeeded);
        Assert.Contains("Chat:SenderReadFlushInterval must be 100 ms-10 min", result.FailureMessage, StringComparison.Ordinal);
        Assert.Equal(TimeSpan.FromSeconds(30), new ChatOptions().SenderReadFlushInterval);
    }
}
