using System.Buffers;
using System.Text.Json;
using OrleansChat.Model;

namespace OrleansChat.Protocol;

/// <summary>
/// Writes the frames sent for every message (<c>ack</c>, <c>dm.message</c>, <c>room.message</c>) and for every
/// heartbeat (<c>pong</c>: 400 a second from 10,000 idle clients) straight to a
/// <see cref="Utf8JsonWriter"/>, byte for byte what <see cref="ProtocolJson.Options"/> would produce (a test holds
/// them equal). Why: System.Text.Json serialises a polymorphic <see cref="ServerFrame"/> through a fresh
/// <c>WriteStackFrame[]</c> each time, which an allocation profile of private messages put at ~10 % of the bytes
/// allocated per send, and allocation rate is what sets how often the GC pauses the sockets. Any other frame, or a
/// body kind not listed here, returns null and takes the general serializer.
/// </summary>
public static class HotFrameWriter
{
    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_buffer;

    [ThreadStatic]
    private static Utf8JsonWriter? t_writer;

    public static byte[]? TryWrite(ServerFrame frame)
    {
        var buffer = t_buffer ??= new ArrayBufferWriter<byte>(512);
        var writer = t_writer ??= new Utf8JsonWriter(buffer);
        buffer.ResetWrittenCount();
        writer.Reset(buffer);
        switch (frame)
        {
            case AckReply ack:
                WriteAck(writer, ack);
                break;
            case DmMessageEvent dm when IsKnown(dm.Body):
                WriteDmMessage(writer, dm);
                break;
            case RoomMessageEvent room when IsKnown(room.Body):
                WriteRoomMessage(writer, room);
                break;
            case PongReply pong:
                WritePong(writer, pong);
                break;
            default:
                return null;
        }

        writer.Flush();
        return buffer.WrittenSpan.ToArray();
    }

    private static bool IsKnown(MessageBody body) => body is TextBody or ImageBody or AudioBody;

    private static void WriteAck(Utf8JsonWriter w, AckReply ack)
    {
        w.WriteStartObject();
        w.WriteString("type", "ack");
        WriteOptional(w, "re", ack.Re);
        WriteOptional(w, "conv", ack.Conv);
        WriteOptional(w, "seq", ack.Seq);
        WriteOptional(w, "ts", ack.Ts);
        w.WriteEndObject();
    }

    private static void WritePong(Utf8JsonWriter w, PongReply pong)
    {
        w.WriteStartObject();
        w.WriteString("type", "pong");
        WriteOptional(w, "re", pong.Re);
        w.WriteNumber("ts", pong.Ts);
        w.WriteEndObject();
    }

    private static void WriteDmMessage(Utf8JsonWriter w, DmMessageEvent m) =>
        WriteMessage(w, "dm.message", room: null, m.Conv, m.Seq, m.Ts, m.From, m.To, m.Body, m.Id);

    private static void WriteRoomMessage(Utf8JsonWriter w, RoomMessageEvent m) =>
        WriteMessage(w, "room.message", m.Room, m.Conv, m.Seq, m.Ts, m.From, to: null, m.Body, m.Id);

    /// <summary>Both message events, in their declaration order: a room event names its room, a private one its recipient.</summary>
    private static void WriteMessage(
        Utf8JsonWriter w, string type, string? room, string conv, long seq, long ts, UserProfile from, string? to, MessageBody body, string? id)
    {
        w.WriteStartObject();
        w.WriteString("type", type);
        WriteOptional(w, "room", room);
        w.WriteString("conv", conv);
        w.WriteNumber("seq", seq);
        w.WriteNumber("ts", ts);
        WriteProfile(w, "from", from);
        WriteOptional(w, "to", to);
        WriteBody(w, body);
        WriteOptional(w, "id", id);
        w.WriteEndObject();
    }

    private static void WriteProfile(Utf8JsonWriter w, string name, UserProfile profile)
    {
        w.WriteStartObject(name);
        w.WriteString("id", profile.Id);
        w.WriteString("name", profile.Name);
        WriteOptional(w, "avatarUrl", profile.AvatarUrl);
        w.WriteEndObject();
    }

    private static void WriteBody(Utf8JsonWriter w, MessageBody body)
    {
        w.WriteStartObject("body");
        switch (body)
        {
            case TextBody text:
                w.WriteString("kind", "text");
                w.WriteString("text", text.Text);
                break;
            case ImageBody image:
                w.WriteString("kind", "image");
                WriteOptional(w, "url", image.Url);
                WriteOptional(w, "width", image.Width);
                WriteOptional(w, "height", image.Height);
                WriteOptional(w, "mediaId", image.MediaId);
                WriteOptional(w, "thumbUrl", image.ThumbUrl);
                break;
            case AudioBody audio:
                w.WriteString("kind", "audio");
                WriteOptional(w, "url", audio.Url);
                w.WriteNumber("durationMs", audio.DurationMs);
                WriteOptional(w, "mediaId", audio.MediaId);
                break;
        }

        w.WriteEndObject();
    }

    private static void WriteOptional(Utf8JsonWriter w, string name, string? value)
    {
        if (value is not null)
        {
            w.WriteString(name, value);
        }
    }

    private static void WriteOptional(Utf8JsonWriter w, string name, long? value)
    {
        if (value is { } number)
        {
            w.WriteNumber(name, number);
        }
    }
}
