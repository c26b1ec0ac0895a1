namespace OrleansChat.Gateway.Security;

/// <summary>
/// One configured RSA private key: an id and the PEM text (PKCS#1 or PKCS#8) inline or in a file. Used by
/// <c>Auth:SigningKeys</c> and <c>Security:EncryptionKeys</c>.
/// </summary>
public sealed class RsaKeySettings
{
    /// <summary>The key's name: a token's <c>kid</c>, or the key a client names in its <c>hello</c>.</summary>
    public string Id { get; set; } = "";

    /// <summary>The private key's PEM text; or give <see cref="PemFile"/>.</summary>
    public string? PrivateKeyPem { get; set; }

    /// <summary>A file holding the private key's PEM (a mounted secret, say); or give <see cref="PrivateKeyPem"/>.</summary>
    public string? PemFile { get; set; }
}
