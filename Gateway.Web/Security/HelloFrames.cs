using System.Text.Json;

namespace OrleansChat.Gateway.Security;

/// <summary>
/// The client's <c>hello</c>: <c>{"type":"hello","keyId":..,"key":base64(RSA-OAEP-SHA256(32-byte AES key))}</c>.
/// It sits below protocol v1 (it is not a <c>ClientFrame</c>): it sets up the framing the chat frames travel in.
/// </summary>
public sealed record HelloFrame(string KeyId, byte[] WrappedKey, string? Id)
{
    public const string Type = "hello";

    /// <summary>True when the text frame is a JSON object whose <c>type</c> is <c>hello</c>.</summary>
    public static bool IsHello(ReadOnlySpan<byte> utf8)
    {
        var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { MaxDepth = 4 });
        try
        {
            using var document = JsonDocument.ParseValue(ref reader);
            return document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("type", out var type)
                && type.ValueKind == JsonValueKind.String
                && type.ValueEquals(Type);
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>Reads a hello; null with the reason when a field is missing or not what it must be.</summary>
    public static HelloFrame? Read(ReadOnlySpan<byte> utf8, out string? problem)
    {
        problem = "hello must carry \"keyId\" (string) and \"key\" (base64)";
        var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { MaxDepth = 4 });
        using var document = JsonDocument.ParseValue(ref reader);
        var root = document.RootElement;
        if (!root.TryGetProperty("keyId", out var keyId) || keyId.ValueKind != JsonValueKind.String
            || !root.TryGetProperty("key", out var key) || key.ValueKind != JsonValueKind.String
            || !key.TryGetBytesFromBase64(out var wrapped))
        {
            return null;
        }

        problem = null;
        var id = root.TryGetProperty("id", out var idElement) && idElement.ValueKind == JsonValueKind.String ? idElement.GetString() : null;
        return new HelloFrame(keyId.GetString()!, wrapped, id);
    }
}

/// <summary>The server's answer to <c>hello</c>, sent as the first encrypted frame: it proves the key was unwrapped.</summary>
public sealed record HelloReply(string? Re)
{
    public string Type => HelloFrame.Type;

    public string Alg => "A256GCM";
}
