namespace OrleansChat.Gateway.Security;

/// <summary>
/// One configured RSA private key: an id and the PEM text (PKCS#1 or PKCS#8) inline or in a file. Used by
/// <c>Auth:SigningKeys</c> and <c>Security:EncryptionKeys</c>.
/// </summary>
public sealed class RsaKeySettings
{
    public string Id { get; set; } = "";

    public string? PrivateKeyPem { get; set; }

    public string? PemFile { get; set; }
}
