namespace OrleansChat.Gateway.Auth;

/// <summary>Token issuing and checking (section "Auth").</summary>
public sealed class AuthOptions
{
    public const string Section = "Auth";

    /// <summary>
    /// HMAC-SHA256 key, base64, at least 32 bytes. Every gateway of a cluster needs the same one. When empty a
    /// random key is made at start (fine for the single-process default; tokens die with the process).
    /// </summary>
    public string SigningKey { get; set; } = "";

    public string Issuer { get; set; } = "orleanschat";

    public TimeSpan TokenLifetime { get; set; } = TimeSpan.FromHours(12);

    /// <summary>The development login (any openId, no password). Never enable it in production.</summary>
    public bool DevLoginEnabled { get; set; }
}
