using System.Threading.Channels;

namespace OrleansChat.Gateway.Sockets;

/// <summary>
/// Writes room fan-outs on a few serial lanes, one per core, instead of waking one writer per socket per frame.
/// Each socket belongs to one lane for its whole life, and a lane handles its batches in order, so every socket
/// still gets a room's frames in the order they came; the lanes run in parallel, so a big room's sends spread over
/// the cores (Orleans hands this gateway's observer its calls one at a time). A lane writes to an idle socket
/// inline (see <see cref="ClientConnection.TryEnqueue"/>); a backed-up socket just gets the frame queued.
/// </summary>
public sealed class FanoutLanes : IDisposable
{
    private readonly Channel<Batch>[] _lanes;

    public FanoutLanes()
        : this(Environment.ProcessorCount)
    {
    }

    public FanoutLanes(int count)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        _lanes = [.. Enumerable.Range(0, count).Select(_ => Channel.CreateUnbounded<Batch>(new UnboundedChannelOptions { SingleReader = true }))];
        foreach (var lane in _lanes)
        {
            _ = Task.Run(() => RunAsync(lane.Reader));
        }
    }

    /// <summary>Hands the frame to the lanes of the targets; returns at once.</summary>
    public void Post(ClientConnection[] targets, ReadOnlyMemory<byte> frame)
    {
        if (_lanes.Length == 1)
        {
            _lanes[0].Writer.TryWrite(new Batch(targets, frame));
            return;
        }

        foreach (var (lane, members) in Partition(targets))
        {
            _lanes[lane].Writer.TryWrite(new Batch(members, frame));
        }
    }

    public void Dispose()
    {
        foreach (var lane in _lanes)
        {
            lane.Writer.TryComplete();
        }
    }

    private IEnumerable<(int Lane, ClientConnection[] Members)> Partition(ClientConnection[] targets)
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
                yield return (lane, [.. members]);
            }
        }
    }

    private int LaneOf(ClientConnection connection) => (int)((uint)connection.Ordinal % (uint)_lanes.Length);

    private static async Task RunAsync(ChannelReader<Batch> lane)
    {
        while (await lane.WaitToReadAsync().ConfigureAwait(false))
        {
            while (lane.TryRead(out var batch))
            {
                foreach (var target in batch.Targets)
                {
                    target.TryEnqueue(batch.Frame);
                }
            }
        }
    }

    private readonly record struct Batch(ClientConnection[] Targets, ReadOnlyMemory<byte> Frame);
}
