using System.Diagnostics;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace OrleansChat.Bench;

/// <summary>
/// The scenarios: set-up (logins, sockets, rooms or DM pairs), then paced rate steps or an idle hold; the connect
/// scenarios (reconnect, fillroom) are in Scenarios.Connects.cs.
/// </summary>
internal sealed partial class Scenarios(BenchOptions o, Results results)
{
    private static readonly TimeSpan ReplyTimeout = TimeSpan.FromSeconds(30);
    private readonly Metrics _metrics = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private BenchClient[] _clients = [];
    private long _requestIds;
    private double _idleCpuPerSecond;

    public async Task RunAsync()
    {
        Log($"{o.Label}: {o.Scenario}, {o.Clients} clients against {o.Url} (server pids {string.Join(',', o.Pids)}); load average {ProcStats.LoadAverage()}");
        var rssStart = ProcStats.RssKb(o.Pids);
        await LoginAsync(o.Clients);
        if (o.Scenario == "idle")
        {
            await IdleAsync();
        }
        else if (o.Scenario == "reconnect")
        {
            await ReconnectAsync();
        }
        else if (o.Scenario == "fillroom")
        {
            await FillRoomAsync();
        }
        else
        {
            await ConnectAsync();
            var (senders, fanout) = o.Scenario switch
            {
                "bigroom" => await BigRoomAsync(),
                "smallgroups" => await SmallGroupsAsync(),
                _ => await DmAsync(),
            };
            await StepRatesAsync(senders, fanout);
        }

        results.Add("server_rss_mb_start", rssStart / 1024.0);
        results.Add("server_rss_mb_end", ProcStats.RssKb(o.Pids) / 1024.0);
        results.Add("send_errors", _metrics.SendErrors);
        if (_metrics.FirstSendError is { } error)
        {
            Log($"first send error: {error}");
        }

        foreach (var (reason, count) in _metrics.Closes)
        {
            Log($"closed by server or dropped: {count} x {reason}");
        }

        await Task.WhenAll(_clients.Select(c => c.CloseAsync()));
    }

    private void Log(string text) => Console.WriteLine($"[{_clock.Elapsed.TotalSeconds,6:0.0}s] {text}");

    private async Task LoginAsync(int count)
    {
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 16 });
        var clients = new BenchClient[count];
        var started = Stopwatch.GetTimestamp();
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, cancel) =>
        {
            // Spread over the servers (the gateways of the cluster shape); a client connects where it logged in.
            var server = o.Urls[i % o.Urls.Length];
            var id = $"{o.UserPrefix}{o.Scenario[0]}{i}";
            using var response = await http.PostAsJsonAsync(new Uri(server, "/api/auth/login"), new { openId = id, name = "User " + id }, cancel);
            response.EnsureSuccessStatusCode();
            using var json = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(cancel), cancellationToken: cancel);
            clients[i] = new BenchClient(id, json.RootElement.GetProperty("token").GetString()!, server, _metrics);
        });
        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        _clients = clients;
        results.Add("logins_per_s", count / seconds);
        Log($"{count} logins in {seconds:0.00} s");
    }

    /// <summary>Opens every socket, <see cref="BenchOptions.ConnectConcurrency"/> handshakes in flight; returns the open ones.</summary>
    private async Task<int> ConnectAsync()
    {
        var failures = 0;
        var started = Stopwatch.GetTimestamp();
        await Parallel.ForEachAsync(_clients, new ParallelOptions { MaxDegreeOfParallelism = o.ConnectConcurrency }, async (client, _) =>
        {
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
                await client.ConnectAsync(timeout.Token);
            }
            catch (Exception e)
            {
                if (Interlocked.Increment(ref failures) == 1)
                {
                    Log($"connect failed: {e.GetType().Name}: {e.Message}");
                }
            }
        });
        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        var open = _clients.Length - failures;
        results.Add("connects_per_s", open / seconds);
        results.Add("connect_failures", failures);
        Log($"{open} sockets open in {seconds:0.00} s ({open / seconds:0} /s), {failures} failed");
        return open;
    }

    private string NextRequestId() => "w" + Interlocked.Increment(ref _requestIds).ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Runs one request per item, 32 in flight, and fails the run if any is refused.</summary>
    private async Task RequestAllAsync<T>(string what, IEnumerable<T> items, Func<T, (BenchClient Client, Func<string, string> Frame)> build)
    {
        var started = Stopwatch.GetTimestamp();
        string? firstError = null;
        var errors = 0;
        await Parallel.ForEachAsync(items, new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (item, _) =>
        {
            var (client, frame) = build(item);
            var id = NextRequestId();
            if (await client.RequestAsync(id, frame(id), ReplyTimeout) is { } error)
            {
                Interlocked.Increment(ref errors);
                Interlocked.CompareExchange(ref firstError, error, null);
            }
        });
        Log($"{what}: {Stopwatch.GetElapsedTime(started).TotalSeconds:0.00} s, {errors} errors {firstError}");
        if (errors > 0)
        {
            throw new InvalidOperationException($"{what} failed: {firstError}");
        }
    }

    private async Task<(Sender[] Senders, int Fanout)> BigRoomAsync()
    {
        await RequestAllAsync("join room big", _clients, c => (c, id => $$"""{"type":"room.join","id":"{{id}}","room":"big"}"""));
        var senders = _clients.Take(o.Senders).Select(c => new Sender(c, $$"""{"type":"room.send","room":"big","id":""")).ToArray();
        return (senders, _clients.Length);
    }

    private async Task<(Sender[] Senders, int Fanout)> SmallGroupsAsync()
    {
        var rooms = _clients.Length / o.RoomSize;
        var members = _clients.Take(rooms * o.RoomSize).Select((c, i) => (Client: c, Room: $"g{i / o.RoomSize}")).ToArray();
        await RequestAllAsync($"join {rooms} rooms of {o.RoomSize}", members, m => (m.Client, id => $$"""{"type":"room.join","id":"{{id}}","room":"{{m.Room}}"}"""));
        var senders = members.Where((_, i) => i % o.RoomSize < o.SendersPerRoom)
            .Select(m => new Sender(m.Client, $$"""{"type":"room.send","room":"{{m.Room}}","id":""")).ToArray();
        return (senders, o.RoomSize);
    }

    private async Task<(Sender[] Senders, int Fanout)> DmAsync()
    {
        var pairs = Enumerable.Range(0, _clients.Length / 2).Select(p => (A: _clients[2 * p], B: _clients[(2 * p) + 1])).ToArray();
        await RequestAllAsync($"request {pairs.Length} DMs", pairs, p => (p.A, id => $$"""{"type":"dm.request","id":"{{id}}","to":"{{p.B.UserId}}"}"""));
        await RequestAllAsync($"accept {pairs.Length} DMs", pairs, p => (p.B, id => $$"""{"type":"dm.accept","id":"{{id}}","from":"{{p.A.UserId}}"}"""));
        var senders = pairs.Select(p => new Sender(p.A, $$"""{"type":"dm.send","to":"{{p.B.UserId}}","id":""")).ToArray();
        return (senders, 2);
    }

    /// <summary>
    /// Steps the send rate: doubles while a step passes (delivery ratio >= 0.99 and p99 <= 100 ms), then bisects
    /// between the best pass and the first failure while the time budget allows.
    /// </summary>
    private async Task StepRatesAsync(Sender[] senders, int fanout)
    {
        // The step budget (warm-up included), but never past --max-seconds of the whole scenario (set-up included).
        var budgetEnd = Math.Min(_clock.Elapsed.TotalSeconds + o.BudgetSeconds, o.MaxSeconds);
        Log($"{senders.Length} senders, {fanout} deliveries per send; step {o.StepSeconds} s, budget {o.BudgetSeconds} s");
        // The database's columns go after "pass", so that the first 15 columns stay where pairs.sh reads them.
        Console.WriteLine("  step  sends/s  deliv/s  ratio   p50ms   p90ms   p99ms   maxms  srvCPU%  cliCPU%  srv_us/deliv  net_us  rssMB othCPU%  pass"
            + (o.DbPid != 0 ? "  dbCPU% db_us/deliv" : ""));
        // Warm-up (JIT tiering, grain activations, pools) at the start rate, not counted; then the idle baseline.
        // OrleansChat keeps tiering up (hundreds of methods/s re-JITted) for several seconds: warm up at least 2 steps,
        // or --warm-seconds (the cluster shape's two young processes tier up for longer than one embedded process).
        var warmUntil = _clock.Elapsed.TotalSeconds + o.WarmSeconds;
        var warm = await RunStepAsync(Metrics.MaxSteps - 1, o.StartRate, senders, fanout);
        do
        {
            _metrics.Reset(0); // late deliveries of the step before may still land in it; the warm line shows the last step
            warm = await RunStepAsync(0, o.StartRate, senders, fanout);
        }
        while (_clock.Elapsed.TotalSeconds < warmUntil);
        Console.WriteLine($"  warm {warm.SendsPerS,8:0} {warm.DeliveriesPerS,8:0} {warm.Ratio,6:0.000} {warm.P50Ms,7:0.0} {warm.P90Ms,7:0.0} {warm.P99Ms,7:0.0} {warm.MaxMs,7:0.0} {warm.ServerCpuPct,8:0} {warm.ClientCpuPct,8:0} {warm.ServerMicrosPerDelivery,13:0.00} {warm.RssMb,6:0} {warm.OtherCpuPct,7:0}  (not counted)");
        await QuiesceAsync(0);
        var idle0 = ProcStats.CpuSeconds(o.Pids);
        await Task.Delay(2000);
        _idleCpuPerSecond = (ProcStats.CpuSeconds(o.Pids) - idle0) / 2;
        results.Add("server_cpu_pct_no_sends", _idleCpuPerSecond * 100);
        StepResult? best = null;
        double pass = 0, fail = 0, rate = o.StartRate;
        for (var step = 1; step < Metrics.MaxSteps - 1; step++)
        {
            if (_clock.Elapsed.TotalSeconds + o.StepSeconds + 3 > budgetEnd)
            {
                break;
            }

            var r = await RunStepAsync(step, rate, senders, fanout);
            var ok = r.Ratio >= 0.99 && r.P99Ms <= 100 && _metrics.ClosedCount == 0;
            Console.WriteLine($"  {step,4} {r.SendsPerS,8:0} {r.DeliveriesPerS,8:0} {r.Ratio,6:0.000} {r.P50Ms,7:0.0} {r.P90Ms,7:0.0} {r.P99Ms,7:0.0} {r.MaxMs,7:0.0} {r.ServerCpuPct,8:0} {r.ClientCpuPct,8:0} {r.ServerMicrosPerDelivery,13:0.00} {r.NetMicrosPerDelivery,7:0.00} {r.RssMb,6:0} {r.OtherCpuPct,7:0}  {(ok ? "yes" : "NO")}{DbColumns(r)}");
            if (_metrics.ClosedCount > 0)
            {
                Log($"{_metrics.ClosedCount} sockets closed: stopping");
                fail = rate;
                break;
            }

            if (ok)
            {
                pass = rate;
                if (best is null || r.DeliveriesPerS > best.DeliveriesPerS)
                {
                    best = r;
                }
            }
            else
            {
                fail = rate;
                await QuiesceAsync(step);
            }

            if (fail > 0 && pass > 0 && fail / pass < 1.12)
            {
                break;
            }

            rate = fail == 0 ? rate * o.Factor : pass > 0 ? (pass + fail) / 2 : rate / (o.Factor * o.Factor);
        }

        if (best is null)
        {
            results.Add("max_sustained_deliveries_per_s", 0);
            return;
        }

        results.Add("max_sustained_deliveries_per_s", best.DeliveriesPerS);
        results.Add("at_sends_per_s", best.SendsPerS);
        results.Add("first_failing_sends_per_s", fail);
        results.Add("delivery_ratio", best.Ratio);
        results.Add("latency_p50_ms", best.P50Ms);
        results.Add("latency_p90_ms", best.P90Ms);
        results.Add("latency_p99_ms", best.P99Ms);
        results.Add("latency_max_ms", best.MaxMs);
        results.Add("server_cpu_pct", best.ServerCpuPct);
        results.Add("client_cpu_pct", best.ClientCpuPct);
        results.Add("server_cpu_us_per_delivery", best.ServerMicrosPerDelivery);
        results.Add("server_cpu_us_per_delivery_net", best.NetMicrosPerDelivery);
        results.Add("other_processes_cpu_pct", best.OtherCpuPct);
        if (o.DbPid != 0)
        {
            results.Add("db_cpu_pct", best.DbCpuPct);
            results.Add("db_cpu_us_per_delivery", best.DbMicrosPerDelivery);
        }
    }

    private string DbColumns(StepResult r) => o.DbPid == 0 ? "" : $" {r.DbCpuPct,7:0} {r.DbMicrosPerDelivery,11:0.00}";

    /// <summary>A latency percentile in ms; NaN when the step delivered nothing (HdrHistogram throws on an empty histogram).</summary>
    private static double Milliseconds(HdrHistogram.HistogramBase latency, double percentile) =>
        latency.TotalCount == 0 ? double.NaN : latency.GetValueAtPercentile(percentile) / 1000.0;

    private async Task<StepResult> RunStepAsync(int step, double rate, Sender[] senders, int fanout)
    {
        // The load client's own full GC is blocking (non-concurrent, to stay small on 2 shared cores) and took 55 ms
        // in the middle of a step (a GC trace of the client lined it up with that step's worst quarter second):
        // collect between steps, where nothing is measured, so that it does not stall deliveries of either server.
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        var serverCpu0 = ProcStats.CpuSeconds(o.Pids);
        var selfCpu0 = ProcStats.CpuSeconds(Environment.ProcessId);
        var machine0 = ProcStats.MachineBusySeconds();
        var db0 = ProcStats.TreeCpuSeconds(o.DbPid);
        var wall0 = Stopwatch.GetTimestamp();
        var started = DateTime.UtcNow;
        var sent = await Task.Factory.StartNew(() => Pace(step, rate, senders), TaskCreationOptions.LongRunning);
        var sendSeconds = Stopwatch.GetElapsedTime(wall0).TotalSeconds;
        var expected = sent * fanout;

        var drainUntil = Stopwatch.GetTimestamp() + (3 * Stopwatch.Frequency);
        while (_metrics.DeliveredIn(step) < expected && Stopwatch.GetTimestamp() < drainUntil)
        {
            await Task.Delay(20);
        }

        var wall = Stopwatch.GetElapsedTime(wall0).TotalSeconds;
        if (o.Timeline)
        {
            PrintTimeline(wall0, started);
        }

        var serverCpu = ProcStats.CpuSeconds(o.Pids) - serverCpu0;
        var selfCpu = ProcStats.CpuSeconds(Environment.ProcessId) - selfCpu0;
        var dbCpu = ProcStats.TreeCpuSeconds(o.DbPid) - db0;
        var otherCpu = ProcStats.MachineBusySeconds() - machine0 - serverCpu - selfCpu - dbCpu;
        var delivered = _metrics.DeliveredIn(step);
        var latency = _metrics.LatencyOf(step);
        return new StepResult(
            sent / sendSeconds,
            delivered / sendSeconds,
            expected == 0 ? 0 : (double)delivered / expected,
            Milliseconds(latency, 50),
            Milliseconds(latency, 90),
            Milliseconds(latency, 99),
            Milliseconds(latency, 100),
            serverCpu / wall * 100,
            selfCpu / wall * 100,
            delivered == 0 ? 0 : serverCpu * 1e6 / delivered,
            delivered == 0 ? 0 : Math.Max(0, serverCpu - (_idleCpuPerSecond * wall)) * 1e6 / delivered,
            ProcStats.RssKb(o.Pids) / 1024.0,
            Math.Max(0, otherCpu / wall * 100),
            dbCpu / wall * 100,
            delivered == 0 ? 0 : dbCpu * 1e6 / delivered);
    }

    /// <summary>Where in a step its tail sits: a ramp at the start, one stall, or spread out.</summary>
    private void PrintTimeline(long stepStart, DateTime startedUtc)
    {
        var slices = Enumerable.Range(0, (int)(o.StepSeconds * 4))
            .Select(i => _metrics.SliceMaxMs(stepStart + (i * Metrics.SliceTicks)).ToString("0", System.Globalization.CultureInfo.InvariantCulture));
        Console.WriteLine($"        from {startedUtc:HH:mm:ss.fff} UTC, slowest ms per 1/4 s: {string.Join(' ', slices)}");
    }

    /// <summary>Token bucket over all senders: sends are due at start + n / rate; each carries its due time (no coordinated omission).</summary>
    private long Pace(int step, double rate, Sender[] senders)
    {
        var start = Stopwatch.GetTimestamp();
        var end = start + (long)(o.StepSeconds * Stopwatch.Frequency);
        var ticksPerSend = Stopwatch.Frequency / rate;
        var stepText = step.ToString(System.Globalization.CultureInfo.InvariantCulture);
        long sent = 0;
        while (true)
        {
            var now = Stopwatch.GetTimestamp();
            if (now >= end)
            {
                return sent;
            }

            var due = (long)((now - start) / ticksPerSend) + 1;
            for (; sent < due; sent++)
            {
                var sender = senders[sent % senders.Length];
                var dueAt = start + (long)(sent * ticksPerSend);
                var marker = $"@@{stepText}:{dueAt}@@";
                var text = marker.Length >= o.TextBytes ? marker : marker + new string('x', o.TextBytes - marker.Length);
                var id = Interlocked.Increment(ref _requestIds);
                sender.Client.Enqueue(Encoding.UTF8.GetBytes(sender.Prefix + "\"s" + id.ToString(System.Globalization.CultureInfo.InvariantCulture) + "\",\"body\":{\"kind\":\"text\",\"text\":\"" + text + "\"}}"));
            }

            Thread.Sleep(1);
        }
    }

    /// <summary>After a failed step, lets the backlog drain (deliveries stop changing) so it does not spill into the next.</summary>
    private async Task QuiesceAsync(int step)
    {
        var last = -1L;
        for (var i = 0; i < 50; i++)
        {
            await Task.Delay(200);
            var now = _metrics.DeliveredIn(step);
            if (now == last)
            {
                return;
            }

            last = now;
        }
    }

    private async Task IdleAsync()
    {
        var rss0 = ProcStats.RssKb(o.Pids);
        var open = await ConnectAsync();
        var cpu0 = ProcStats.CpuSeconds(o.Pids);
        var started = Stopwatch.GetTimestamp();
        var pings = 0L;
        var perSecond = Math.Max(1, _clients.Length / 25); // every client pings every 25 s
        var next = 0;
        while (Stopwatch.GetElapsedTime(started).TotalSeconds < o.HoldSeconds)
        {
            for (var i = 0; i < perSecond; i++, next = (next + 1) % _clients.Length)
            {
                if (_clients[next].Open)
                {
                    _clients[next].Enqueue(Encoding.UTF8.GetBytes($$"""{"type":"ping","id":"p{{next}}"}"""));
                    pings++;
                }
            }

            await Task.Delay(1000);
        }

        await Task.Delay(1000);
        var hold = Stopwatch.GetElapsedTime(started).TotalSeconds;
        var rss1 = ProcStats.RssKb(o.Pids);
        var cpu = ProcStats.CpuSeconds(o.Pids) - cpu0;
        results.Add("open_connections", open);
        results.Add("rss_mb_before_connects", rss0 / 1024.0);
        results.Add("rss_mb_connected", rss1 / 1024.0);
        results.Add("kb_per_connection", open == 0 ? 0 : (rss1 - rss0) / (double)open);
        results.Add("idle_server_cpu_pct", cpu / hold * 100);
        results.Add("pings_sent", pings);
        results.Add("pongs_received", Interlocked.Read(ref _metrics.Pongs));
        results.Add("dropped_connections", _metrics.ClosedCount);
    }

    private sealed record Sender(BenchClient Client, string Prefix);

    private sealed record StepResult(
        double SendsPerS,
        double DeliveriesPerS,
        double Ratio,
        double P50Ms,
        double P90Ms,
        double P99Ms,
        double MaxMs,
        double ServerCpuPct,
        double ClientCpuPct,
        double ServerMicrosPerDelivery,
        double NetMicrosPerDelivery,
        double RssMb,
        double OtherCpuPct,
        double DbCpuPct,
        double DbMicrosPerDelivery);
}
