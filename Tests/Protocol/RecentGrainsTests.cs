using OrleansChat.Gateway.Protocol;

namespace OrleansChat.Tests.Protocol;

public sealed class RecentGrainsTests
{
    [Fact]
    public void Makes_each_reference_once_and_starts_over_when_full()
    {
        var made = new List<string>();
        var grains = new RecentGrains<FakeGrain>(key => { made.Add(key); return new FakeGrain(key); }, capacity: 2);

        var a = grains.Get("a");
        Assert.Same(a, grains.Get("a"));
        grains.Get("b");
        Assert.Equal(["a", "b"], made);

        var c = grains.Get("c"); // full: the kept references are dropped, not the new one
        Assert.Equal(1, grains.Count);
        Assert.Same(c, grains.Get("c"));
        Assert.NotSame(a, grains.Get("a"));
        Assert.Equal(["a", "b", "c", "a"], made);
    }

    public sealed record FakeGrain(string Key) : IGrainWithStringKey;
}
