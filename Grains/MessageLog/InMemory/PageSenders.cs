using OrleansChat.Model;

namespace OrleansChat.Grains.MessageLog.InMemory;

/// <summary>
/// The sender profiles decoded for one page, by their encoded bytes: a page from one conversation has few senders,
/// so its messages share one instance each instead of three strings and a profile per message.
/// </summary>
internal sealed class PageSenders
{
    private readonly List<(byte[] Encoded, UserProfile Profile)> _seen = [];

    public UserProfile? Find(ReadOnlySpan<byte> encoded)
    {
        foreach (var (known, profile) in _seen)
        {
            if (encoded.SequenceEqual(known))
            {
                return profile;
            }
        }

        return null;
    }

    public UserProfile Add(ReadOnlySpan<byte> encoded, UserProfile profile)
    {
        _seen.Add((encoded.ToArray(), profile));
        return profile;
    }
}
