using System.Diagnostics;
using HdrHistogram;

namespace OrleansChat.Bench;

/// <summary>
/// The connect scenarios. A connect counts once the server's welcome frame is in: on OrleansChat that is after the
/// user grain's Connect and the re-attachment to the user's rooms, not just the HTTP 101.
/// </summary>
internal sealed partial class Scenarios
{
    private const int MaxConnectAttempts = 20;

    /// <summary>
    /// Connects every client (first connect), drops them all at once (aborted, no closing handshake, as when a
    /// gateway's network goes), then reconnects them with the tokens they already hold: no login.
    /// </summary>
    private async Task ReconnectAsync()
    {
        var first = await ConnectAllAsync("connect", _clients);
        _clients = first.Clients;
        Report("connect", first);
        await JoinRoomsPerClientAsync();

        // Several storms: the first still pays for JIT tiering of the connect path (the processes are a minute old);
        // the last is a surviving gateway's, which has been up for a while. Every round is logged, the last reported.
        ConnectRun? again = null;
        for (var round = 1; round <= o.Rounds; round++)
        {
            foreach (var client in _clients)
            {
                client.Abort();
            }

            // Let the servers see every socket go (and deregister it) before the storm.
            await Task.Delay(TimeSpan.FromSeconds(2));
            Log($"round {round}: dropped {_clients.Length} sockets at once; reconnecting with the same tokens");
            again = await ConnectAllAsync($"reconnect round {round}", _clients);
            _clients = again.Clients;
        }

        Report("reconnect", again!);
        results.Add("reconnected", again!.Connected);
        results.Add("reconnect_of", _clients.Length);
    }

    /// <summary>
    /// --rooms-per-client: client i joins room <c>rc{k}-{i / room size}</c> for each k, so that every room has
    /// --room-size members and every user as many rooms, which a reconnect re-attaches before its welcome.
    /// </summary>
    private async Task JoinRoomsPerClientAsync()
    {
        if (o.RoomsPerClient == 0)
        {
            return;
        }

        var failed = 0;
        var started = Stopwatch.GetTimestamp();
        var joins = Enumerable.Range(0, _clients.Length).SelectMany(i => Enumerable.Range(0, o.RoomsPerClient).Select(k => (i, k)));
        await Parallel.ForEachAsync(joins, new ParallelOptions { MaxDegreeOfParallelism = o.ConnectConcurrency }, async (join, _) =>
        {
            var id = NextRequestId();
            var room = $"rc{join.k}-{join.i / Math.Max(1, o.RoomSize)}";
            if (await _clients[join.i].RequestAsync(id, $$"""{"type":"room.join","id":"{{id}}","room":"{{room}}"}""", ReplyTimeout) is not null)
            {
                Interlocked.Increment(ref failed);
            }
        });
        Log($"joined {o.RoomsPerClient} rooms per client in {Stopwatch.GetElapsedTime(started).TotalSeconds:0.0} s, {failed} failed");
    }

    /// <summary>Every client connects and joins one room, 64 (--connect-concurrency) in flight.</summary>
    private async Task FillRoomAsync()
    {
        var rss0 = ProcStats.RssKb(o.Pids);
        var each0 = o.Pids.Select(ProcStats.RssKb).ToArray();
        var frames0 = Interlocked.Read(ref _metrics.Frames);
        var filled = await ConnectAllAsync("connect and join room fill", _clients, async client =>
        {
            var id = NextRequestId();
            return await client.RequestAsync(id, $$"""{"type":"room.join","id":"{{id}}","room":"fill"}""", ReplyTimeout);
        });
        _clients = filled.Clients;
        await Task.Delay(TimeSpan.FromSeconds(1));
        var rss1 = ProcStats.RssKb(o.Pids);
        Log("join: RSS KB per member by process: " + string.Join(", ", o.Pids.Select((pid, i) =>
            $"{pid} {(filled.Connected == 0 ? 0 : (ProcStats.RssKb(pid) - each0[i]) / (double)filled.Connected):0.0}")));
        Report("join", filled);
        results.Add("joined", filled.Connected);
        results.Add("join_of", _clients.Length);
        results.Add("kb_per_member", filled.Connected == 0 ? 0 : (rss1 - rss0) / (double)filled.Connected);
        results.Add("frames_received", Interlocked.Read(ref _metrics.Frames) - frames0);
    }

    private void Report(string what, ConnectRun run)
    {
        results.Add($"{what}s_per_s", run.Connected / run.Seconds);
        results.Add($"{what}_p50_ms", run.Latency.GetValueAtPercentile(50) / 1000.0);
        results.Add($"{what}_p99_ms", run.Latency.GetValueAtPercentile(99) / 1000.0);
        results.Add($"{what}_failures", run.Failed);
        results.Add($"{what}_refusals_503", run.Refused);
        results.Add($"{what}_server_cpu_ms_each", run.Connected == 0 ? 0 : run.ServerCpuSeconds * 1000 / run.Connected);
        if (o.DbPid != 0)
        {
            results.Add($"{what}_db_cpu_ms_each", run.Connected == 0 ? 0 : run.DbCpuSeconds * 1000 / run.Connected);
        }
    }

    /// <summary>
    /// Connects each client again with a new socket (same user, token and server) until its welcome frame (and
    /// <paramref name="then"/>, if given, answered without error); a 503 is retried after its Retry-After. Clients
    /// not done within --max-seconds count as failed.
    /// </summary>
    private async Task<ConnectRun> ConnectAllAsync(string what, BenchClient[] clients, Func<BenchClient, Task<string?>>? then = null)
    {
        var latency = new LongConcurrentHistogram(1, 120_000_000, 3);
        var fresh = new BenchClient[clients.Length];
        int connected = 0, failed = 0, refused = 0;
        string? firstError = null;
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(o.MaxSeconds));
        var cpu0 = ProcStats.CpuSeconds(o.Pids);
        var each0 = o.Pids.Select(ProcStats.CpuSeconds).ToArray();
        var db0 = ProcStats.TreeCpuSeconds(o.DbPid);
        var started = Stopwatch.GetTimestamp();
        await Parallel.ForEachAsync(Enumerable.Range(0, clients.Length), new ParallelOptions { MaxDegreeOfParallelism = o.ConnectConcurrency }, async (i, _) =>
        {
            var began = Stopwatch.GetTimestamp();
            var (client, error, refusals) = await ConnectOneAsync(clients[i], then, deadline.Token);
            fresh[i] = client;
            Interlocked.Add(ref refused, refusals);
            if (error is null)
            {
                Interlocked.Increment(ref connected);
                latency.RecordValue(Math.Max(1, (long)Stopwatch.GetElapsedTime(began).TotalMicroseconds));
            }
            else
            {
                Interlocked.Increment(ref failed);
                Interlocked.CompareExchange(ref firstError, error, null);
            }
        });
        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        var run = new ConnectRun(fresh, connected, failed, refused, seconds, latency,
            ProcStats.CpuSeconds(o.Pids) - cpu0, ProcStats.TreeCpuSeconds(o.DbPid) - db0);
        Log($"{what}: {connected} of {clients.Length} in {seconds:0.00} s ({connected / seconds:0} /s), p50 {latency.GetValueAtPercentile(50) / 1000.0:0.0} ms, "
            + $"p99 {latency.GetValueAtPercentile(99) / 1000.0:0.0} ms, {refused} x 503, {failed} failed {firstError}");
        // Which of our processes spent it (silos first, then gateways, in the cluster shape).
        Log($"{what}: CPU ms per connect by process: " + string.Join(", ", o.Pids.Select((pid, i) =>
            $"{pid} {(connected == 0 ? 0 : (ProcStats.CpuSeconds(pid) - each0[i]) * 1000 / connected):0.00}")));
        return run;
    }

    private async Task<(BenchClient Client, string? Error, int Refusals)> ConnectOneAsync(
        BenchClient previous, Func<BenchClient, Task<string?>>? then, CancellationToken deadline)
    {
        var refusals = 0;
        for (var attempt = 1; ; attempt++)
        {
            var client = new BenchClient(previous.UserId, previous.Token, previous.Server, _metrics);
            if (deadline.IsCancellationRequested)
            {
                return (client, "not attempted within --max-seconds", refusals);
            }

            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(deadline);
                timeout.CancelAfter(ReplyTimeout);
                await client.ConnectAsync(timeout.Token);
                await client.Welcomed.WaitAsync(timeout.Token);
                return (client, then is null ? null : await then(client), refusals);
            }
            catch (Exception) when (client.RefusedStatus == 503 && attempt < MaxConnectAttempts && !deadline.IsCancellationRequested)
            {
                refusals++;
                await Task.Delay(TimeSpan.FromSeconds(client.RetryAfterSeconds ?? 1), CancellationToken.None);
            }
            catch (Exception e)
            {
                return (client, $"{e.GetType().Name}: {e.Message} (HTTP {client.RefusedStatus})", refusals);
            }
        }
    }

    private sealed record ConnectRun(
        BenchClient[] Clients, int Connected, int Failed, int Refused, double Seconds, HistogramBase Latency, double ServerCpuSeconds, double DbCpuSeconds);
}
