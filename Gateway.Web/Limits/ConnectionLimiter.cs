using System.Net;
using Microsoft.Extensions.Options;
using OrleansChat.Gateway.Sockets;

namespace OrleansChat.Gateway.Limits;

/// <summary>
/// Counts this gateway's open sockets per user and per remote address, and refuses one more beyond
/// <c>Sockets:MaxConnectionsPerUser</c> / <c>Sockets:MaxConnectionsPerAddress</c> (0: no limit).
/// </summary>
public sealed class ConnectionLimiter(IOptions<SocketOptions> options)
{
    private readonly SocketOptions _options = options.Value;
    private readonly Dictionary<string, int> _perUser = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _perAddress = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    /// <summary>A slot for one more socket (dispose it when the socket ends), or null with the reason it is refused.</summary>
    public IDisposable? TryAcquire(string userId, IPAddress? remote, out string? refusal)
    {
        var address = Normalize(remote);
        lock (_lock)
        {
            refusal = Exceeds(_perUser, userId, _options.MaxConnectionsPerUser) ? $"at most {_options.MaxConnectionsPerUser} connections per user"
                : Exceeds(_perAddress, address, _options.MaxConnectionsPerAddress) ? $"at most {_options.MaxConnectionsPerAddress} connections per address"
                : null;
            if (refusal is not null)
            {
                return null;
            }

            Increment(_perUser, userId, +1);
            Increment(_perAddress, address, +1);
        }

        return new Slot(this, userId, address);
    }

    private static bool Exceeds(Dictionary<string, int> counts, string key, int max) =>
        max > 0 && counts.TryGetValue(key, out var open) && open >= max;

    private static void Increment(Dictionary<string, int> counts, string key, int by)
    {
        var count = counts.GetValueOrDefault(key) + by;
        if (count == 0)
        {
            counts.Remove(key);
        }
        else
        {
            counts[key] = count;
        }
    }

    /// <summary>An IPv4 client seen through a dual-stack socket counts as its IPv4 address.</summary>
    private static string Normalize(IPAddress? remote) =>
        remote is null ? "unknown" : (remote.IsIPv4MappedToIPv6 ? remote.MapToIPv4() : remote).ToString();

    private void Release(string userId, string address)
    {
        lock (_lock)
        {
            Increment(_perUser, userId, -1);
            Increment(_perAddress, address, -1);
        }
    }

    private sealed class Slot(ConnectionLimiter owner, string userId, string address) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                owner.Release(userId, address);
            }
        }
    }
}
