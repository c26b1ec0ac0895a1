using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;

namespace OrleansChat.Gateway.Auth;

/// <summary>
/// Tokens this gateway has already verified, keyed by their SHA-256, with the identity they name and their expiry.
/// After a gateway dies, its users reconnect to the others presenting the tokens they already hold, and each of the
/// others sees the same tokens again at every later reconnect: verifying each RS256 signature and parsing each JSON
/// payload once per process, not once per reconnect, took a third of a gateway's CPU per reconnect off the storm
/// (docs/performance.md, "Second pass"). A hit is only ever the exact token string verified before, and its
/// expiry is checked again on every hit; keys change only with the process, so a verified token stays verified.
/// Bounded: once <c>Auth:VerifiedTokenCacheSize</c> entries are held, expired ones are dropped, and if that is not
/// enough, all (they are verified again when seen). The count is approximate under concurrent adds; the bound is a
/// memory guard, not an exact limit.
/// </summary>
public sealed class VerifiedTokenCache(int capacity)
{
    private readonly ConcurrentDictionary<TokenHash, Entry> _entries = new();
    private int _count;

    /// <summary>The identity of a token verified before and not expired at <paramref name="now"/> (skew included).</summary>
    public TokenIdentity? Find(ReadOnlySpan<char> token, DateTime now) =>
        capacity > 0 && _entries.TryGetValue(TokenHash.Of(token), out var entry) && now < entry.ValidUntil ? entry.Identity : null;

    /// <summary>Remembers a verified token until <paramref name="validUntil"/> (its expiry plus the allowed skew).</summary>
    public void Add(string token, TokenIdentity identity, DateTime validUntil, DateTime now)
    {
        if (capacity <= 0)
        {
            return;
        }

        if (Volatile.Read(ref _count) >= capacity)
        {
            MakeRoom(now);
        }

        if (_entries.TryAdd(TokenHash.Of(token), new Entry(identity, validUntil)))
        {
            Interlocked.Increment(ref _count);
        }
    }

    public int Count => Volatile.Read(ref _count);

    private void MakeRoom(DateTime now)
    {
        foreach (var (hash, entry) in _entries)
        {
            if (entry.ValidUntil <= now && _entries.TryRemove(hash, out _))
            {
                Interlocked.Decrement(ref _count);
            }
        }

        if (Volatile.Read(ref _count) >= capacity)
        {
            _entries.Clear();
            Volatile.Write(ref _count, 0);
        }
    }

    private sealed record Entry(TokenIdentity Identity, DateTime ValidUntil);

    /// <summary>A token's SHA-256: 32 bytes a key instead of the ~1.4 KB token string.</summary>
    private readonly record struct TokenHash(UInt128 First, UInt128 Second)
    {
        public static TokenHash Of(ReadOnlySpan<char> token)
        {
            var utf8 = token.Length <= 2048 ? stackalloc byte[Encoding.UTF8.GetMaxByteCount(token.Length)] : new byte[Encoding.UTF8.GetMaxByteCount(token.Length)];
            var length = Encoding.UTF8.GetBytes(token, utf8);
            Span<UInt128> hash = stackalloc UInt128[2];
            SHA256.HashData(utf8[..length], System.Runtime.InteropServices.MemoryMarshal.AsBytes(hash));
            return new TokenHash(hash[0], hash[1]);
        }
    }
}
