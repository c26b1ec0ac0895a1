namespace OrleansChat.Grains.Conversations;

/// <summary>
/// Who is typing in one conversation, in memory only (typing is never stored). A client renews "on" while its user
/// types; renewals within <see cref="Throttle"/> of the last announcement are not passed on, and a typist who stops
/// renewing for <see cref="Expiry"/> is announced stopped. Null until someone types: most conversations never see it.
/// </summary>
public sealed class TypingIndicators(TimeProvider time)
{
    public static readonly TimeSpan Expiry = TimeSpan.FromSeconds(6);

    /// <summary>How often a renewing typist is announced at most (clients show "typing" for <see cref="Expiry"/>).</summary>
    public static readonly TimeSpan Throttle = TimeSpan.FromSeconds(3);

    private Dictionary<string, (DateTimeOffset ExpiresAt, DateTimeOffset AnnouncedAt)>? _typing;

    /// <summary>Records the change; returns whether to announce it, and whether a new typist needs <see cref="WatchAsync"/>.</summary>
    public (bool Announce, bool Started) Update(string userId, bool on)
    {
        var now = time.GetUtcNow();
        if (!on)
        {
            return (_typing?.Remove(userId) == true, false);
        }

        _typing ??= new(StringComparer.Ordinal);
        if (_typing.TryGetValue(userId, out var typing) && typing.ExpiresAt > now)
        {
            var announce = now - typing.AnnouncedAt >= Throttle;
            _typing[userId] = (now + Expiry, announce ? now : typing.AnnouncedAt);
            return (announce, false);
        }

        _typing[userId] = (now + Expiry, now);
        return (true, true);
    }

    /// <summary>Waits while <paramref name="userId"/> keeps renewing; calls <paramref name="expired"/> if they stop without saying so.</summary>
    public async Task WatchAsync(string userId, Action expired)
    {
        while (_typing is not null && _typing.TryGetValue(userId, out var typing))
        {
            var left = typing.ExpiresAt - time.GetUtcNow();
            if (left <= TimeSpan.Zero)
            {
                _typing.Remove(userId);
                expired();
                return;
            }

            await Task.Delay(left, time);
        }
    }
}
