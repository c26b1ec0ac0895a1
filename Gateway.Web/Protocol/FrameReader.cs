using System.Text.Json;
using Microsoft.Extensions.Options;
using OrleansChat.Model;
using OrleansChat.Protocol;

namespace OrleansChat.Gateway.Protocol;

/// <summary>A client frame that could not be read: the error to send back, with the frame's id when it had one.</summary>
public sealed record FrameError(string? Re, ChatErrorCode Code, string Message);

/// <summary>Turns the bytes of one text message into a typed <see cref="ClientFrame"/>, or says precisely what is wrong.</summary>
public sealed class FrameReader(IOptions<ProtocolOptions> options)
{
    private readonly JsonSerializerOptions _json = ProtocolJson.Create(options.Value.MaxJsonDepth);
    private readonly JsonDocumentOptions _documentOptions = new() { MaxDepth = options.Value.MaxJsonDepth };
    private readonly int _maxIdLength = options.Value.MaxClientIdLength;
    private readonly int _maxDepth = options.Value.MaxJsonDepth;

    public ClientFrame? Read(ReadOnlyMemory<byte> utf8, out FrameError? error)
    {
        error = null;
        if (HotFrameReader.TryRead(utf8.Span, _maxIdLength, _maxDepth) is { } hot)
        {
            return hot;
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(utf8, _documentOptions);
        }
        catch (JsonException e)
        {
            error = new FrameError(null, ChatErrorCode.BadRequest, $"malformed JSON: {Describe(e)}");
            return null;
        }

        using (document)
        {
            try
            {
                return ReadEnvelope(document.RootElement, out error);
            }
            catch (InvalidOperationException)
            {
                // Well-formed JSON may still escape a lone surrogate ("\ud800"), which no .NET string can hold.
                error = new FrameError(null, ChatErrorCode.BadRequest, "a string escapes an unpaired surrogate (\\uD800-\\uDFFF)");
                return null;
            }
        }
    }

    private ClientFrame? ReadEnvelope(JsonElement root, out FrameError? error)
    {
        error = null;
        if (root.ValueKind != JsonValueKind.Object)
        {
            error = new FrameError(null, ChatErrorCode.BadRequest, "a frame is a JSON object with a \"type\"");
            return null;
        }

        string? id = null;
        if (root.TryGetProperty("id", out var idElement))
        {
            id = idElement.ValueKind == JsonValueKind.String ? idElement.GetString() : null;
            if (id is null || id.Length is 0 || id.Length > _maxIdLength)
            {
                error = new FrameError(null, ChatErrorCode.BadRequest, $"\"id\" must be a string of 1-{_maxIdLength} characters");
                return null;
            }
        }

        if (!root.TryGetProperty("type", out var typeElement) || typeElement.ValueKind != JsonValueKind.String)
        {
            error = new FrameError(id, ChatErrorCode.BadRequest, "missing \"type\" (a string)");
            return null;
        }

        var type = typeElement.GetString()!;
        if (!ProtocolJson.ClientFrameTypes.Contains(type))
        {
            error = new FrameError(id, ChatErrorCode.BadRequest, $"unknown type \"{Truncate(type)}\"");
            return null;
        }

        try
        {
            return root.Deserialize<ClientFrame>(_json);
        }
        catch (Exception e) when (e is JsonException or NotSupportedException or InvalidOperationException)
        {
            error = new FrameError(id, ChatErrorCode.BadRequest, $"invalid \"{type}\" frame: {Describe(e)}");
            return null;
        }
    }

    /// <summary>A message that names the field (JSON path) without leaking .NET type names.</summary>
    private static string Describe(Exception e) => e switch
    {
        JsonException { Path: { Length: > 1 } path } when e.Message.Contains("missing required", StringComparison.Ordinal) =>
            $"missing required field at {path}",
        JsonException j when j.Message.Contains("missing required properties", StringComparison.Ordinal) =>
            "missing required field(s) " + MissingNames(j.Message),
        JsonException j when j.Message.Contains("type discriminator", StringComparison.Ordinal) =>
            $"unknown or missing \"kind\" at {j.Path}",
        JsonException { Path: { Length: > 1 } path } => $"wrong type or value at {path}",
        JsonException j when j.LineNumber is not null => $"syntax error at line {j.LineNumber + 1}, byte {j.BytePositionInLine}",
        NotSupportedException => "\"body\" needs a \"kind\" (text, image or audio)",
        _ => "wrong type or value",
    };

    private static string MissingNames(string message)
    {
        var start = message.IndexOf("including: ", StringComparison.Ordinal);
        return start < 0 ? "" : message[(start + "including: ".Length)..].TrimEnd('.');
    }

    private static string Truncate(string value) => value.Length <= 40 ? value : value[..40] + "...";
}
