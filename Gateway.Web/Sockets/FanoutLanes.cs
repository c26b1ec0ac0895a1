using System.Threading.Channels;

namespace OrleansChat.Gateway.Sockets;

/// <summary>
/// Writes room fan-outs on serial lanes (16, or 4 per core on bigger machines) instead of waking one writer per
/// socket per frame: a 1,000-member room costs 16 thread-pool work items per message, not 1,000. Each socket belongs
/// to one lane for its whole life and a lane handles its batches in order, so every socket still gets a room's
/// frames in the order they came. A lane writes to an idle socket inline (see <see cref="ClientConnection.TryEnqueue"/>);
/// a backed-up socket just gets the frame queued for its own writer loop. A lane that finds several fan-outs waiting
/// gives each socket all of its frames in one write (<see cref="WriteMode.Staged"/>): what Kestrel's output pipe did
/// for frames that piled up, now that frames go straight to the socket. Enough lanes that each is short: with one
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
        while (await lane.WaitToReadAsync().ConfigureAwait(false))
        {
            while (waiting.Count < MaxBatchesPerWrite && lane.TryRead(out var batch))
            {
                waiting.Add(batch);
            }

            var mode = waiting.Count == 1 ? WriteMode.Immediate : WriteMode.Staged;
            foreach (var batch in waiting)
            {
                foreach (var target in batch.Targets)
                {
                    Write(target, batch.Frame, mode);
                }
            }

            if (mode == WriteMode.Staged)
            {
                foreach (var batch in waiting)
                {
                    foreach (var target in batch.Targets)
                    {
                        FlushStaged(target); // a socket in several fan-outs is flushed by the first; the rest find nothing
                    }
                }
            }

            waiting.Clear();
        }
    }

    /// <summary>One socket's failure (say, a session torn down under the lane) must not stop its lane's other sockets.</summary>
    private void Write(ClientConnection target, ReadOnlyMemory<byte> frame, WriteMode mode)
    {
        try
        {
            target.TryEnqueue(frame, mode);
        }
        catch (Exception e)
        {
            LogWriteFailed(e, target.Id);
        }
    }

    private void FlushStaged(ClientConnection target)
    {
        try
        {
            target.FlushStaged();
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
