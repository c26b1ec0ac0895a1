namespace OrleansChat.Tests.Reliability.Chaos;

/// <summary>One scripted fault: what it does to the cluster, by name as the report prints it.</summary>
public sealed record ChaosFault(string Name, Func<ChaosCluster, Task> Act)
{
    public static ChaosFault KillSilo(int index) => new($"kill -9 silo {index}", c => Run(() => c.KillSilo(index)));

    public static ChaosFault RestartSilo(int index) => new($"restart silo {index}", c => Run(() => c.RestartSilo(index)));

    public static ChaosFault KillGateway(int index) => new($"kill -9 gateway {index}", c => Run(() => c.KillGateway(index)));

    public static ChaosFault RestartGateway(int index) => new($"restart gateway {index}", c => c.RestartGatewayAsync(index));

    public static ChaosFault KillSiloAndGateway(int silo, int gateway) =>
        new($"kill -9 silo {silo} + gateway {gateway}", c => Run(() => { c.KillSilo(silo); c.KillGateway(gateway); }));

    public static ChaosFault RestartPostgres() => new("restart PostgreSQL", c => c.RestartPostgresAsync());

    private static Task Run(Action act)
    {
        act();
        return Task.CompletedTask;
    }
}

/// <summary>
/// How the cluster came back from one fault, in seconds after it was done: until every user had a new send
/// acknowledged, and until every user whose connection survived it had a new live delivery (null: not within the
/// observation window).
/// </summary>
public sealed record FaultOutcome(string Name, double At, double? AcksBackAfter, double? LiveBackAfter);
