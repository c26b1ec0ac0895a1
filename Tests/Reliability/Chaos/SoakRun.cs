using System.Diagnostics;
using OrleansChat.Tests.Infrastructure;

namespace OrleansChat.Tests.Reliability.Chaos;

/// <summary>
/// The soak: a few users stay connected and idle while churners loop over connect, join a room, send a few
/// messages, leave, disconnect, on random gateways, with a pause between cycles (moderate load, not a benchmark).
/// Resources are sampled after a warm-up, every <see cref="SampleEvery"/> (start, middle and end of a long run),
/// when the churn stops and after a settle period; a leak shows as growth between the samples that does not level.
/// </summary>
public sealed class SoakRun(ChaosCluster cluster, IGrainFactory grains)
{
    public int Churners { get; init; } = 8;

    public int IdleUsers { get; init; } = 20;

    public int Rooms { get; init; } = 10;

    public TimeSpan Warmup { get; init; } = TimeSpan.FromSeconds(20);

    public TimeSpan Settle { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How often resources are sampled while the churn runs.</summary>
    public TimeSpan SampleEvery { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Each churner's pause between cycles: a steady, moderate load rather than as fast as the machine allows.</summary>
    public TimeSpan Pause { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>How long one step (welcome, join, send, leave) may take before it counts as failed: generous, the soak looks for leaks, not speed (the machine may be busy).</summary>
    public TimeSpan StepTimeout { get; init; } = TimeSpan.FromSeconds(30);

    public int Cycles => _cycles;

    public int Failures => _failures;

    private int _cycles;
    private int _failures;

    public async Task<IReadOnlyList<ResourceSample>> RunAsync(TimeSpan duration, Action<string> log)
    {
        var rooms = Enumerable.Range(0, Rooms).Select(i => GatewayServer.UniqueName($"soak{i}")).ToArray();
        var idle = new List<ChatClient>();
        try
        {
            for (var i = 0; i < IdleUsers; i++)
            {
                var gateway = cluster.Gateways[i % cluster.Gateways.Count];
                var client = await ChatClient.ConnectAsync(gateway.WebSocketUri(await gateway.LoginAsync(GatewayServer.UniqueName("idle"))));
                await client.WaitForAsync(f => f.Type == "welcome", StepTimeout);
                await client.RequestAsync(id => new { type = "room.join", id, room = rooms[i % Rooms] }, StepTimeout);
                idle.Add(client);
            }

            using var stop = new CancellationTokenSource();
            var churn = Enumerable.Range(0, Churners).Select(i => Task.Run(() => ChurnAsync(i, rooms, stop.Token))).ToList();
            var clock = Stopwatch.StartNew();
            await Task.Delay(Warmup);
            var samples = new List<ResourceSample> { await ResourceSample.TakeAsync($"after {Warmup.TotalSeconds:0} s warm-up", cluster, grains) };
            log($"warm-up done, {_cycles} churn cycles");
            var nextSample = SampleEvery;
            while (clock.Elapsed < duration)
            {
                await Task.Delay(TimeSpan.FromSeconds(30));
                await PingAsync(idle); // the idle users keep their sockets alive, as the SDK's heartbeat does
                log($"{clock.Elapsed.TotalMinutes:0.0} min: {_cycles} churn cycles, {_failures} failed");
                if (clock.Elapsed >= nextSample && clock.Elapsed < duration)
                {
                    samples.Add(await ResourceSample.TakeAsync($"churning, {clock.Elapsed.TotalMinutes:0} min", cluster, grains));
                    log(ResourceSample.ToTable([samples[^1]]));
                    nextSample += SampleEvery;
                }
            }

            await stop.CancelAsync();
            await Task.WhenAll(churn);
            samples.Add(await ResourceSample.TakeAsync($"churn stopped at {clock.Elapsed.TotalMinutes:0.0} min", cluster, grains));
            await Task.Delay(Settle);
            samples.Add(await ResourceSample.TakeAsync($"{Settle.TotalSeconds:0} s later", cluster, grains));
            return samples;
        }
        finally
        {
            foreach (var client in idle)
            {
                await client.DisposeAsync();
            }
        }
    }

    private static async Task PingAsync(IEnumerable<ChatClient> clients)
    {
        foreach (var client in clients)
        {
            await client.SendAsync(new { type = "ping", id = client.NextId() });
        }
    }

    private async Task ChurnAsync(int churner, string[] rooms, CancellationToken stop)
    {
        var random = new Random(churner);
        while (!stop.IsCancellationRequested)
        {
            var gateway = cluster.Gateways[random.Next(cluster.Gateways.Count)];
            var room = rooms[random.Next(rooms.Length)];
            try
            {
                await using var client = await ChatClient.ConnectAsync(gateway.WebSocketUri(await gateway.LoginAsync($"churn{churner}-{random.Next(50)}")));
                await client.WaitForAsync(f => f.Type == "welcome", StepTimeout);
                await client.RequestAsync(id => new { type = "room.join", id, room }, StepTimeout);
                for (var i = 0; i < 3; i++)
                {
                    await client.RequestAsync(id => new { type = "room.send", id, room, body = new { kind = "text", text = "churn" } }, StepTimeout);
                }

                await client.RequestAsync(id => new { type = "room.leave", id, room }, StepTimeout);
                Interlocked.Increment(ref _cycles);
                await Task.Delay(Pause, CancellationToken.None);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                Interlocked.Increment(ref _failures);
            }
        }
    }
}
