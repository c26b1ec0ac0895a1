using OrleansChat.Gateway.Security;

namespace OrleansChat.Gateway.Auth;

/// <summary>Token issuing and checking (section "Auth").</summary>
public sealed class AuthOptions
{
    public const string Section = "Auth";

    /// <summary>
    /// RSA keys for RS256 tokens. The first signs; every listed key validates, so a rotation lists the new key
    /// first and keeps the old one until its tokens have expired. Every gateway of a cluster needs the same list.
    /// Empty: an ephemeral key per process (tokens die with it).
    /// </summary>
    public List<RsaKeySettings> SigningKeys { get; set; } = [];

    public string Issuer { get; set; } = "orleanschat";

    public TimeSpan TokenLifetime { get; set; } = TimeSpan.FromHours(12);

    /// <summary>How long after the original login a token may still be refreshed; then the user logs in again.</summary>
    public TimeSpan MaxSessionAge { get; set; } = TimeSpan.FromDays(30);

    /// <summary>The development login (any openId, no password). Never enable it in production.</summary>
    public bool DevLoginEnabled { get; set; }
}
