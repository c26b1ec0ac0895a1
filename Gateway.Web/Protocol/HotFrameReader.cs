using System.Text.Json;
using OrleansChat.Model;
using OrleansChat.Protocol;

namespace OrleansChat.Gateway.Protocol;

/// <summary>
/// Reads the frames clients send for nearly every message, <c>dm.send</c> and <c>room.send</c> with a text body,
/// and for every heartbeat, <c>ping</c> (400 a second from 10,000 idle clients), in one pass of a
/// <see cref="Utf8JsonReader"/>. Why: the general path (a <see cref="JsonDocument"/>, then
/// System.Text.Json's polymorphic, constructor-bound deserialisation) allocated ~1 KB per send (stack frames,
/// argument state, the document), ~15 % of the bytes a private message cost, and allocation rate is what sets
/// how often the GC pauses every socket. Anything else or anything unusual (another body kind, an unknown, repeated
/// or null field, an id out of bounds, bad escapes) returns null, and <see cref="FrameReader"/> reads it the
/// general way and says what is wrong: this reader never refuses a frame. A test holds both readers equal.
/// </summary>
public static class HotFrameReader
{
    private enum Field { Unknown, Type, Id, To, Room, Body, Kind, Text }

    private enum Kind { None, Dm, Room, Ping }

    public static ClientFrame? TryRead(ReadOnlySpan<byte> utf8, int maxIdLength, int maxDepth)
    {
        try
        {
            return Read(utf8, maxIdLength, maxDepth);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            return null;
        }
    }

    private static ClientFrame? Read(ReadOnlySpan<byte> utf8, int maxIdLength, int maxDepth)
    {
        var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { MaxDepth = maxDepth });
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return null;
        }

        var kind = Kind.None;
        string? id = null, to = null, room = null, text = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var field = FieldOf(ref reader);
            reader.Read();
            var ok = field switch
            {
                Field.Type => kind == Kind.None && (kind = KindOf(ref reader)) != Kind.None,
                Field.Id => id is null && (id = StringOf(ref reader)) is { Length: > 0 } && id.Length <= maxIdLength,
                Field.To => to is null && (to = StringOf(ref reader)) is not null,
                Field.Room => room is null && (room = StringOf(ref reader)) is not null,
                Field.Body => text is null && (text = TextBodyOf(ref reader)) is not null,
                _ => false,
            };
            if (!ok)
            {
                return null;
            }
        }

        if (reader.TokenType != JsonTokenType.EndObject || reader.Read())
        {
            return null;
        }

        return (kind, to, room, text) switch
        {
            (Kind.Dm, not null, null, not null) => new DmSendCommand(to, new TextBody(text)) { Id = id },
            (Kind.Room, null, not null, not null) => new RoomSendCommand(room, new TextBody(text)) { Id = id },
            (Kind.Ping, null, null, null) => new PingCommand { Id = id },
            _ => null,
        };
    }

    /// <summary>The text of a <c>{"kind":"text","text":"..."}</c> body (fields in any order), or null.</summary>
    private static string? TextBodyOf(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            return null;
        }

        bool isText = false;
        string? text = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var field = FieldOf(ref reader);
            reader.Read();
            var ok = field switch
            {
                Field.Kind => !isText && (isText = reader.TokenType == JsonTokenType.String && reader.ValueTextEquals("text"u8)),
                Field.Text => text is null && (text = StringOf(ref reader)) is not null,
                _ => false,
            };
            if (!ok)
            {
                return null;
            }
        }

        return reader.TokenType == JsonTokenType.EndObject && isText ? text : null;
    }

    private static Field FieldOf(ref Utf8JsonReader reader) =>
        reader.ValueTextEquals("type"u8) ? Field.Type
        : reader.ValueTextEquals("id"u8) ? Field.Id
        : reader.ValueTextEquals("to"u8) ? Field.To
        : reader.ValueTextEquals("room"u8) ? Field.Room
        : reader.ValueTextEquals("body"u8) ? Field.Body
        : reader.ValueTextEquals("kind"u8) ? Field.Kind
        : reader.ValueTextEquals("text"u8) ? Field.Text
        : Field.Unknown;

    private static Kind KindOf(ref Utf8JsonReader reader) =>
        reader.TokenType != JsonTokenType.String ? Kind.None
        : reader.ValueTextEquals("dm.send"u8) ? Kind.Dm
        : reader.ValueTextEquals("room.send"u8) ? Kind.Room
        : reader.ValueTextEquals("ping"u8) ? Kind.Ping
        : Kind.None;

    private static string? StringOf(ref Utf8JsonReader reader) =>
        reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
}
