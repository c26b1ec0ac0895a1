using OrleansChat.Protocol;

namespace OrleansChat.Gateway.Security;

/// <summary><c>GET /api/crypto/key</c>: the public key clients wrap their session key with. Public by design.</summary>
public static class CryptoEndpoints
{
    public static IEndpointRouteBuilder MapCryptoEndpoints(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/api/crypto/key", (EncryptionKeyRing keys) => Results.Json(keys.Published, ProtocolJson.Options));
        return endpoints;
    }
}
