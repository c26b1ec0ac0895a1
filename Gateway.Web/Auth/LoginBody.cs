using System.Text.Json;
using OrleansChat.Protocol;

namespace OrleansChat.Gateway.Auth;

/// <summary>Reads a login request body into a provider's typed request; null when it does not fit (wrong field types, say).</summary>
public static class LoginBody
{
    public static T? TryRead<T>(JsonElement body)
        where T : class
    {
        try
        {
            return body.ValueKind == JsonValueKind.Object ? body.Deserialize<T>(ProtocolJson.Options) : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
