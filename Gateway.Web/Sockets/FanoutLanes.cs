using System.Threading.Channels;

namespace OrleansChat.Gateway.Sockets;

/// <summary>
/// Writes room fan-outs on serial lanes (16, or 4 per core on bigger machines) instead of waking one writer per
/// socket per frame: a 1,000-member room costs 16 thread-pool work items per message, not 1,000. Each socket belongs
/// to one lane for its whole life and a lane handles its batches in order, so every socket still gets a room's
/// frames in the order they came. A lane writes each socket at once on its own thread
/// (<see cref="ConnectionWriter.SendNow(ReadOnlyMemory{byte})"/>; a backed-up socket just queues the bytes). A lane
/// that finds several fan-outs waiting gives each socket all of its frames in one write: what Kestrel's output pipe
/// did for frames that piled up, now that frames go straight to the socket. Enough lanes that each is short: with one
/// lane per core (2 here) each wrote 500 sockets in a row and the big room's p99 got worse; with 16 it is below the
/// per-socket writers' and CPU per delivery is ~7 % lower (docs/performance.md, "Fan-out lanes").
/// </summary>
public sealed partial class FanoutLanes : IDisposable
{
    /// <summary>Fan-outs one lane coalesces at most: 64 frames of a few hundred bytes stay well inside one write.</summary>
    private const int MaxBatchesPerWrite = 64;

    private readonly Channel<Batch>[] _lanes;
    private readonly ILogger _logger;

    public FanoutLanes(ILogger<FanoutLanes> logger)
        : this(Math.Max(16, Environment.ProcessorCount * 4), logger)
    {
    }

    public FanoutLanes(int count, ILogger logger)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        _logger = logger;
        _lanes = [.. Enumerable.Range(0, count).Select(_ => Channel.CreateUnbounded<Batch>(new UnboundedChannelOptions { SingleReader = true }))];
        foreach (var lane in _lanes)
        {
            _ = Task.Run(() => RunAsync(lane.Reader));
        }
    }

    /// <summary>Hands the frame to the lanes of the targets; returns at once.</summary>
    public void Post(ClientConnection[] targets, ReadOnlyMemory<byte> frame)
    {
        var byLane = new List<ClientConnection>?[_lanes.Length];
        foreach (var target in targets)
        {
            (byLane[LaneOf(target)] ??= new List<ClientConnection>(targets.Length / _lanes.Length + 1)).Add(target);
        }

        for (var lane = 0; lane < byLane.Length; lane++)
        {
            if (byLane[lane] is { } members)
            {
                _lanes[lane].Writer.TryWrite(new Batch(members, frame));
            }
        }
    }

    public void Dispose()
    {
        foreach (var lane in _lanes)
        {
            lane.Writer.TryComplete();
        }
    }

    private int LaneOf(ClientConnection connection) => (int)((uint)connection.Ordinal % (uint)_lanes.Length);

    /// <summary>
    /// Takes every fan-out waiting on the lane (up to <see cref="MaxBatchesPerWrite"/>). One is written as it is; when
    /// several are waiting, which is when the machine is busy, each socket gets all of its frames in one write.
    /// </summary>
    private async Task RunAsync(ChannelReader<Batch> lane)
    {
        var waiting = new List<Batch>();
        var framesOf = new Dictionary<ClientConnection, List<ReadOnlyMemory<byte>>>();
        var targets = new List<ClientConnection>(); // in the order first seen, which keeps the output deterministic
        while (await lane.WaitToReadAsync().ConfigureAwait(false))
        {
            while (waiting.Count < MaxBatchesPerWrite && lane.TryRead(out var batch))
            {
                waiting.Add(batch);
            }

            if (waiting.Count == 1)
            {
                foreach (var target in waiting[0].Targets)
                {
                    Write(target, waiting[0].Frame);
                }
            }
            else
            {
                WriteTogether(waiting, framesOf, targets);
            }

            waiting.Clear();
        }
    }

    private void WriteTogether(List<Batch> waiting, Dictionary<ClientConnection, List<ReadOnlyMemory<byte>>> framesOf, List<ClientConnection> targets)
    {
        foreach (var batch in waiting)
        {
            foreach (var target in batch.Targets)
            {
                if (!framesOf.TryGetValue(target, out var frames))
                {
                    framesOf[target] = frames = [];
                    targets.Add(target);
                }

                frames.Add(batch.Frame);
            }
        }

        foreach (var target in targets)
        {
            Write(target, framesOf[target]);
        }

        framesOf.Clear();
        targets.Clear();
    }

    /// <summary>One socket's failure (say, a session torn down under the lane) must not stop its lane's other sockets.</summary>
    private void Write(ClientConnection target, ReadOnlyMemory<byte> frame)
    {
        try
        {
            target.Writer.SendNow(frame);
        }
        catch (Exception e)
        {
            LogWriteFailed(e, target.Id);
        }
    }

    private void Write(ClientConnection target, List<ReadOnlyMemory<byte>> frames)
    {
        try
        {
            target.Writer.SendNow(frames);
        }
        catch (Exception e)
        {
            LogWriteFailed(e, target.Id);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Fan-out to connection {ConnectionId} failed; it catches up with sync")]
    private partial void LogWriteFailed(Exception exception, string connectionId);

    private readonly record struct Batch(List<ClientConnection> Targets, ReadOnlyMemory<byte> Frame);
}
