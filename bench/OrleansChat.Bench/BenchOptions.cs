using System.Globalization;

namespace OrleansChat.Bench;

internal sealed class BenchOptions
{
    public const string Usage = """
        usage: OrleansChat.Bench <bigroom|smallgroups|dm|idle|reconnect|fillroom> --url http://127.0.0.1:PORT[,URL...]
               [--pid SERVER_PID[,PID...]] [--db-pid POSTMASTER_PID]
               [--clients N] [--rooms N] [--senders N] [--start-rate SENDS_PER_S] [--factor F]
               [--step-seconds S] [--budget-seconds S] [--max-seconds S] [--size TEXT_BYTES] [--hold-seconds S]
               [--label NAME] [--out results.tsv] [--timeline true] [--user-prefix P] [--warm-seconds S]
        bigroom:     1 room of --clients (1000) members, --senders (4) senders, rate stepped until ratio < 0.99 or p99 > 100 ms
        smallgroups: --clients (5000) in rooms of --room-size (10), --senders-per-room (1) senders each, --size 128
        dm:          --clients/2 (1000) open DM pairs, one sender per pair
        idle:        --clients (10000) connections, pings every 25 s, RSS delta per connection and connect rate
        reconnect:   --clients (10000) connected, all dropped at once, reconnected with their tokens (no new login),
                     --connect-concurrency (64) in flight: rate, how many got back, p50/p99 until the welcome frame;
                     --rounds (2) storms, the last reported; --rooms-per-client (0) rooms of --room-size joined
                     before the storms, which each reconnect re-attaches (a real user's reconnect)
        fillroom:    --clients (5000) connect and join one room, 64 in flight: join rate, RSS delta per member
        Several --url: clients are spread over them (round robin). Several --pid: CPU and RSS are summed over them.
        --db-pid: the database's CPU (the process and its children) is reported apart.
        """;

    public string Scenario { get; private set; } = "";

    /// <summary>Put before every user id: a second run against the same servers (warmed up) needs users of its own.</summary>
    public string UserPrefix { get; private set; } = "";

    public Uri[] Urls { get; private set; } = [new("http://127.0.0.1:5000")];

    public Uri Url => Urls[0];

    /// <summary>Our server processes (one, or every silo and gateway): CPU and RSS are summed over them.</summary>
    public int[] Pids { get; private set; } = [];

    /// <summary>The database's main process (0: none); its CPU, children included, is reported apart.</summary>
    public int DbPid { get; private set; }

    public int Clients { get; private set; }

    public int RoomSize { get; private set; } = 10;

    public int Senders { get; private set; } = 4;

    /// <summary>smallgroups: members of each room that send (a client's frames are answered one at a time, so one sender is
    /// bound by its ack latency: a write-bound room needs several).</summary>
    public int SendersPerRoom { get; private set; } = 1;

    public double StartRate { get; private set; }

    public double Factor { get; private set; } = 2;

    public double StepSeconds { get; private set; } = 4;

    public double BudgetSeconds { get; private set; } = 36;

    public int TextBytes { get; private set; }

    /// <summary>The whole scenario (set-up, warm-up, steps) stops starting steps after this.</summary>
    public double MaxSeconds { get; private set; } = 58;

    public double HoldSeconds { get; private set; } = 10;

    /// <summary>Stepped scenarios: warm up at the start rate for at least this long (two steps at least), not counted.</summary>
    public double WarmSeconds { get; private set; }

    public int ConnectConcurrency { get; private set; } = 64;

    /// <summary>reconnect: how many drop-and-reconnect storms (the last is reported).</summary>
    public int Rounds { get; private set; } = 2;

    /// <summary>reconnect: rooms (of --room-size) each client joins before the storms.</summary>
    public int RoomsPerClient { get; private set; }

    public string Label { get; private set; } = "server";

    /// <summary>Also print, before each step's row, the slowest delivery of each quarter second of the step.</summary>
    public bool Timeline { get; private set; }

    public string? Out { get; private set; }

    public static BenchOptions Parse(string[] args)
    {
        if (args.Length == 0)
        {
            throw new ArgumentException("no scenario");
        }

        var o = new BenchOptions { Scenario = args[0] };
        (o.Clients, o.StartRate, o.TextBytes) = o.Scenario switch
        {
            "bigroom" => (1000, 10.0, 64),
            "smallgroups" => (5000, 500.0, 128),
            "dm" => (2000, 500.0, 64),
            "idle" or "reconnect" => (10000, 0.0, 0),
            "fillroom" => (5000, 0.0, 0),
            _ => throw new ArgumentException($"unknown scenario '{o.Scenario}'"),
        };

        for (var i = 1; i < args.Length; i += 2)
        {
            var value = i + 1 < args.Length ? args[i + 1] : throw new ArgumentException($"{args[i]} needs a value");
            var inv = CultureInfo.InvariantCulture;
            switch (args[i])
            {
                case "--url": o.Urls = [.. value.Split(',').Select(u => new Uri(u))]; break;
                case "--pid": o.Pids = [.. value.Split(',').Select(p => int.Parse(p, inv))]; break;
                case "--db-pid": o.DbPid = int.Parse(value, inv); break;
                case "--clients": o.Clients = int.Parse(value, inv); break;
                case "--room-size": o.RoomSize = int.Parse(value, inv); break;
                case "--senders-per-room": o.SendersPerRoom = int.Parse(value, inv); break;
                case "--senders": o.Senders = int.Parse(value, inv); break;
                case "--start-rate": o.StartRate = double.Parse(value, inv); break;
                case "--factor": o.Factor = double.Parse(value, inv); break;
                case "--step-seconds": o.StepSeconds = double.Parse(value, inv); break;
                case "--budget-seconds": o.BudgetSeconds = double.Parse(value, inv); break;
                case "--size": o.TextBytes = int.Parse(value, inv); break;
                case "--max-seconds": o.MaxSeconds = double.Parse(value, inv); break;
                case "--hold-seconds": o.HoldSeconds = double.Parse(value, inv); break;
                case "--connect-concurrency": o.ConnectConcurrency = int.Parse(value, inv); break;
                case "--rounds": o.Rounds = Math.Max(1, int.Parse(value, inv)); break;
                case "--rooms-per-client": o.RoomsPerClient = Math.Max(0, int.Parse(value, inv)); break;
                case "--label": o.Label = value; break;
                case "--user-prefix": o.UserPrefix = value; break;
                case "--warm-seconds": o.WarmSeconds = double.Parse(value, inv); break;
                case "--timeline": o.Timeline = bool.Parse(value); break;
                case "--out": o.Out = value; break;
                default: throw new ArgumentException($"unknown option {args[i]}");
            }
        }

        return o;
    }
}

/// <summary>Figures as TSV lines "label scenario metric value" (the runner joins two servers' files) and on stdout.</summary>
internal sealed class Results(string label, string scenario, string? path)
{
    private readonly List<string> _lines = [];

    public void Add(string metric, double value)
    {
        var text = value.ToString(Math.Abs(value) >= 100 || value == Math.Floor(value) ? "0" : "0.###", CultureInfo.InvariantCulture);
        _lines.Add($"{label}\t{scenario}\t{metric}\t{text}");
        Console.WriteLine($"RESULT {label} {scenario} {metric} = {text}");
    }

    public void Flush()
    {
        if (path is not null)
        {
            File.AppendAllLines(path, _lines);
        }
    }
}
