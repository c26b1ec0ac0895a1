using Orleans.Runtime;

namespace OrleansChat.Tests.Storage;

/// <summary>Test-only grain whose state goes through the "chat" ADO.NET grain storage.</summary>
public interface ICounterGrain : IGrainWithStringKey
{
    Task<int> Get();

    Task<int> Add(int delta);

    Task Clear();

    Task<CounterSnapshot> Snapshot();

    Task Deactivate();
}

[GenerateSerializer]
public sealed record CounterSnapshot(int Value, string? ETag, bool RecordExists, IReadOnlyList<string> History);

[GenerateSerializer]
public sealed class CounterState
{
    [Id(0)]
    public int Value { get; set; }

    [Id(1)]
    public List<string> History { get; set; } = [];
}

public sealed class CounterGrain([PersistentState("counter", "chat")] IPersistentState<CounterState> counter) : Grain, ICounterGrain
{
    public Task<int> Get() => Task.FromResult(counter.State.Value);

    public async Task<int> Add(int delta)
    {
        counter.State.Value += delta;
        counter.State.History.Add($"+{delta}");
        await counter.WriteStateAsync();
        return counter.State.Value;
    }

    public Task Clear() => counter.ClearStateAsync();

    public Task<CounterSnapshot> Snapshot() =>
        Task.FromResult(new CounterSnapshot(counter.State.Value, counter.Etag, counter.RecordExists, counter.State.History.ToList()));

    public Task Deactivate()
    {
        DeactivateOnIdle();
        return Task.CompletedTask;
    }
}

/// <summary>Test-only grain that reports which silo it runs on.</summary>
public interface ISiloEchoGrain : IGrainWithIntegerKey
{
    Task<string> WhereAmI();
}

[Orleans.Placement.RandomPlacement]
public sealed class SiloEchoGrain : Grain, ISiloEchoGrain
{
    public Task<string> WhereAmI() => Task.FromResult(RuntimeIdentity);
}
