using OrleansChat.Gateway.Observability;

namespace OrleansChat.Tests.Sockets;

public sealed class StripedCounterTests
{
    [Fact]
    public async Task Increments_from_many_threads_at_once_are_all_counted()
    {
        var counter = new StripedCounter();
        const int threads = 8, each = 100_000;
        using var start = new Barrier(threads);
        await Task.WhenAll(Enumerable.Range(0, threads).Select(_ => Task.Factory.StartNew(
            () =>
            {
                start.SignalAndWait();
                for (var i = 0; i < each; i++)
                {
                    counter.Increment();
                }
            },
            TaskCreationOptions.LongRunning)));

        Assert.Equal((long)threads * each, counter.Sum);
    }

    [Fact]
    public void A_new_counter_reads_zero_and_then_each_increment()
    {
        var counter = new StripedCounter();
        Assert.Equal(0, counter.Sum);
        counter.Increment();
        counter.Increment();
        Assert.Equal(2, counter.Sum);
    }
}
