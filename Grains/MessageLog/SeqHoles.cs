using OrleansChat.Model;

namespace OrleansChat.Grains.MessageLog;

/// <summary>
/// Per conversation, the lowest seq a batch left unused (see <see cref="AppendOutcome.LeavesSeqUnused"/>): a later
/// message of that conversation is not written, since it would sit above a hole. Used while one batch is resolved.
/// </summary>
internal sealed class SeqHoles
{
    private Dictionary<string, long>? _lowest;

    public void Add(ChatMessage message)
    {
        _lowest ??= new(StringComparer.Ordinal);
        if (!_lowest.TryGetValue(message.Conv, out var lowest) || message.Seq < lowest)
        {
            _lowest[message.Conv] = message.Seq;
        }
    }

    public bool Blocks(ChatMessage message) =>
        _lowest is not null && _lowest.TryGetValue(message.Conv, out var hole) && message.Seq > hole;
}
