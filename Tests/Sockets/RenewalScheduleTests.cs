using OrleansChat.Gateway.Sockets;

namespace OrleansChat.Tests.Sockets;

public sealed class RenewalScheduleTests
{
    [Theory]
    [InlineData(30_000, 120, 250)]
    [InlineData(1_000, 4, 250)]
    [InlineData(100, 1, 100)]
    [InlineData(600_000, 120, 5_000)]
    [InlineData(10_000, 40, 250)]
    [InlineData(7_000, 24, 291.667)] // 28 ticks of 250 ms would not split the 120 buckets evenly: 24 do
    public void A_period_is_cut_into_ticks_of_at_least_250_ms_and_at_most_120_slices_that_split_the_buckets_evenly(int periodMs, int slices, double tickMs)
    {
        var schedule = new RenewalSchedule(TimeSpan.FromMilliseconds(periodMs));

        Assert.Equal(slices, schedule.Slices);
        Assert.Equal(tickMs, schedule.Tick.TotalMilliseconds, precision: 3);
        Assert.Equal(0, RenewalSlice.Buckets % schedule.Slices);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(37)]
    public void Any_run_of_one_period_of_ticks_renews_every_key_exactly_once(int ticksAlreadyTaken)
    {
        var schedule = new RenewalSchedule(TimeSpan.FromSeconds(30));
        for (var i = 0; i < ticksAlreadyTaken; i++)
        {
            schedule.Next();
        }

        var keys = Enumerable.Range(0, 10_000).Select(i => $"o_user{i}").ToArray();
        var buckets = new RenewalBuckets();
        Array.ForEach(keys, buckets.Add);
        var renewals = keys.ToDictionary(k => k, _ => 0);
        var perTick = new List<int>();
        for (var tick = 0; tick < schedule.Slices; tick++)
        {
            var slice = schedule.Next();
            var due = buckets.In(slice).ToArray();
            perTick.Add(due.Length);
            foreach (var key in due)
            {
                renewals[key]++;
            }
        }

        Assert.All(renewals.Values, count => Assert.Equal(1, count));
        var even = keys.Length / (double)schedule.Slices; // ~83: no tick carries much more than its share
        Assert.InRange(perTick.Max(), 1, even * 1.6);
    }
}
