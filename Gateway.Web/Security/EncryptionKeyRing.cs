using System.Buffers.Text;
using System.Security.Cryptography;
using Microsoft.Extensions.Options;

namespace OrleansChat.Gateway.Security;

/// <summary>What <c>GET /api/crypto/key</c> publishes: the current key as DER SubjectPublicKeyInfo and as a JWK.</summary>
public sealed record PublicKeyInfo(string KeyId, string Alg, string Spki, PublicJwk Jwk);

public sealed record PublicJwk(string Kty, string Kid, string Alg, string Use, string N, string E);

/// <summary>The server's RSA keys for unwrapping session keys (<c>Security:EncryptionKeys</c>).</summary>
public sealed class EncryptionKeyRing
{
    public const string Algorithm = "RSA-OAEP-256";

    private readonly IReadOnlyList<RsaKey> _keys;

    public EncryptionKeyRing(IOptions<SecurityOptions> options, ILogger<EncryptionKeyRing> logger)
    {
        _keys = RsaKeySet.Load(options.Value.EncryptionKeys, "Security:EncryptionKeys", logger);
        Published = Describe(_keys[0]);
    }

    public PublicKeyInfo Published { get; }

    /// <summary>Unwraps a session key with RSA-OAEP-SHA256; null for an unknown key id or a blob that does not decrypt.</summary>
    public byte[]? TryUnwrap(string keyId, byte[] wrapped)
    {
        var key = _keys.FirstOrDefault(k => string.Equals(k.Id, keyId, StringComparison.Ordinal));
        if (key is null)
        {
            return null;
        }

        try
        {
            return key.Rsa.Decrypt(wrapped, RSAEncryptionPadding.OaepSHA256);
        }
        catch (CryptographicException)
        {
            return null;
        }
    }

    private static PublicKeyInfo Describe(RsaKey key)
    {
        var parameters = key.Rsa.ExportParameters(includePrivateParameters: false);
        var jwk = new PublicJwk("RSA", key.Id, Algorithm, "enc", Base64Url.EncodeToString(parameters.Modulus), Base64Url.EncodeToString(parameters.Exponent));
        return new PublicKeyInfo(key.Id, Algorithm, Convert.ToBase64String(key.Rsa.ExportSubjectPublicKeyInfo()), jwk);
    }

}
