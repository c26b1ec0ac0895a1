using System.Text.Json;
using System.Text.Json.Serialization;

namespace OrleansChat.Protocol;

/// <summary>The one JSON configuration of protocol v1, shared by the gateway, the tests and the bench tool.</summary>
public static class ProtocolJson
{
    public const int DefaultMaxDepth = 16;

    public static JsonSerializerOptions Options { get; } = Create(DefaultMaxDepth);

    /// <summary>
    /// camelCase names, snake_case enum values, nulls left out; reading is strict (required and non-null
    /// fields enforced, numbers must be numbers) but tolerates unknown fields and a <c>type</c>/<c>kind</c> that
    /// is not the first property.
    /// </summary>
    public static JsonSerializerOptions Create(int maxDepth)
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            AllowOutOfOrderMetadataProperties = true,
            RespectNullableAnnotations = true,
            RespectRequiredConstructorParameters = true,
            NumberHandling = JsonNumberHandling.Strict,
            MaxDepth = maxDepth,
        };
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower, allowIntegerValues: false));
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }

    /// <summary>The wire name of every client frame type, read from <see cref="ClientFrame"/>'s declaration.</summary>
    public static IReadOnlySet<string> ClientFrameTypes { get; } = typeof(ClientFrame)
        .GetCustomAttributes(typeof(JsonDerivedTypeAttribute), inherit: false)
        .Cast<JsonDerivedTypeAttribute>()
        .Select(a => (string)a.TypeDiscriminator!)
        .ToHashSet(StringComparer.Ordinal);

    public static byte[] Serialize(ServerFrame frame) => HotFrameWriter.TryWrite(frame) ?? JsonSerializer.SerializeToUtf8Bytes(frame, Options);
}
