namespace OrleansChat.Tests.Reliability.Chaos;

/// <summary>
/// One scripted fault: what it does to the cluster, by name as the report prints it. A lasting fault (a backend down,
/// a slow database) is ended by <see cref="End"/> <see cref="Lasts"/> after it began; its recovery is still timed
/// from when it began.
/// </summary>
public sealed record ChaosFault(string Name, Func<ChaosCluster, Task> Act)
{
    /// <summary>How long a lasting fault lasts before <see cref="End"/> (zero: a single blow such as a kill).</summary>
    public TimeSpan Lasts { get; init; }

    /// <summary>What ends a lasting fault (a backend started again, the latency removed).</summary>
    public Func<ChaosCluster, Task>? End { get; init; }

    public static ChaosFault KillSilo(int index) => new($"kill -9 silo {index}", c => Run(() => c.KillSilo(index)));

    public static ChaosFault RestartSilo(int index) => new($"restart silo {index}", c => Run(() => c.RestartSilo(index)));

    public static ChaosFault KillGateway(int index) => new($"kill -9 gateway {index}", c => Run(() => c.KillGateway(index)));

    public static ChaosFault RestartGateway(int index) => new($"restart gateway {index}", c => c.RestartGatewayAsync(index));

    public static ChaosFault KillSiloAndGateway(int silo, int gateway) =>
        new($"kill -9 silo {silo} + gateway {gateway}", c => Run(() => { c.KillSilo(silo); c.KillGateway(gateway); }));

    public static ChaosFault RestartPostgres() => new("restart PostgreSQL", c => c.RestartPostgresAsync());

    /// <summary>PostgreSQL stopped (fast shutdown: every open connection cut), started again on its port after <paramref name="down"/>.</summary>
    public static ChaosFault PostgresDown(TimeSpan down) =>
        new($"PostgreSQL down {down.TotalSeconds:0} s, restarted", c => c.Backends.Postgres.StopAsync()) { Lasts = down, End = c => c.Backends.Postgres.StartAgainAsync() };

    /// <summary>
    /// The membership store killed and started again empty on its port after <paramref name="down"/> (a restart of a
    /// Redis without persistence, or a failover that lost it): every silo's and gateway's row is gone.
    /// </summary>
    public static ChaosFault RedisDown(TimeSpan down) =>
        new($"redis down {down.TotalSeconds:0} s, restarted empty", c => Run(c.Backends.Redis.Kill)) { Lasts = down, End = c => c.Backends.Redis.StartAgainAsync() };

    /// <summary>Every PostgreSQL answer held back by <paramref name="latency"/> (a slow or far database) for <paramref name="lasts"/>.</summary>
    public static ChaosFault SlowDatabase(TimeSpan latency, TimeSpan lasts) =>
        new($"PostgreSQL +{latency.TotalMilliseconds:0} ms per answer for {lasts.TotalSeconds:0} s", c => Run(() => c.DatabaseProxy.Latency = latency))
        {
            Lasts = lasts,
            End = c => Run(() => c.DatabaseProxy.Latency = TimeSpan.Zero),
        };

    private static Task Run(Action act)
    {
        act();
        return Task.CompletedTask;
    }
}
