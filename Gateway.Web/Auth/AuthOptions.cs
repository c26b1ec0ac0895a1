using OrleansChat.Gateway.Security;

namespace OrleansChat.Gateway.Auth;

/// <summary>Token issuing and checking (section "Auth").</summary>
public sealed class AuthOptions
{
    public const string SectionName = "Auth";

    /// <summary>
    /// RSA keys for RS256 tokens. The first signs; every listed key validates, so a rotation lists the new key
    /// first and keeps the old one until its tokens have expired. Every gateway of a cluster needs the same list.
    /// Empty: an ephemeral key per process (tokens die with it).
    /// </summary>
    public List<RsaKeySettings> SigningKeys { get; set; } = [];

    /// <summary>The <c>iss</c> of the tokens this gateway issues and the only one it accepts: the same on every gateway of a cluster.</summary>
    public string Issuer { get; set; } = "orleanschat";

    /// <summary>How long a token is valid after it is issued (its <c>exp</c>); a client refreshes it before then.</summary>
    public TimeSpan TokenLifetime { get; set; } = TimeSpan.FromHours(12);

    /// <summary>How long after the original login a token may still be refreshed; then the user logs in again.</summary>
    public TimeSpan MaxSessionAge { get; set; } = TimeSpan.FromDays(30);

    /// <summary>
    /// How many verified tokens a gateway remembers (by SHA-256, with their identity and expiry), so that a
    /// reconnect presenting a token seen before skips its RS256 verification; about 150 bytes each. 0: none.
    /// </summary>
    public int VerifiedTokenCacheSize { get; set; } = 100_000;

    /// <summary>The development login (any openId, no password). Never enable it in production.</summary>
    public bool DevLoginEnabled { get; set; }
}
