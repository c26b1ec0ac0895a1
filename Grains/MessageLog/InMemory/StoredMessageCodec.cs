using OrleansChat.Grains.MessageLog.Encryption;
using OrleansChat.Model;

namespace OrleansChat.Grains.MessageLog.InMemory;

/// <summary>
/// The in-memory log's binary form of a <see cref="ChatMessage"/>, without its conversation (the caller's key):
/// <c>seq, ts (int64 LE), sender id, name, avatar url, body kind (byte), the body's fields, client id</c>.
/// One case per body kind of the closed set; a kind without one is refused before anything is written.
/// </summary>
internal static class StoredMessageCodec
{
    private enum BodyKind : byte
    {
        Text = 1,
        Image = 2,
        Audio = 3,
        Encrypted = 4,
        Recall = 5,
        Recalled = 6,
    }

    /// <summary>The exact encoded size of <paramref name="message"/>.</summary>
    /// <exception cref="ArgumentException">The body is of a kind this codec cannot store.</exception>
    public static int SizeOf(ChatMessage message) =>
        (2 * sizeof(long)) + SizeOfProfile(message.From) + 1 + SizeOf(message.Body) + ByteSpanWriter.SizeOf(message.ClientId);

    /// <summary>Writes <paramref name="message"/> into exactly <see cref="SizeOf"/> bytes.</summary>
    public static void Write(ChatMessage message, Span<byte> destination)
    {
        var writer = new ByteSpanWriter(destination);
        writer.WriteInt64(message.Seq);
        writer.WriteInt64(message.Ts);
        writer.WriteString(message.From.Id);
        writer.WriteString(message.From.Name);
        writer.WriteString(message.From.AvatarUrl);
        WriteBody(ref writer, message.Body);
        writer.WriteString(message.ClientId);
    }

    /// <summary>
    /// The message stored at the start of <paramref name="source"/>; with <paramref name="senders"/>, messages read
    /// into one page share one profile instance per sender.
    /// </summary>
    public static ChatMessage Read(ReadOnlySpan<byte> source, string conv, PageSenders? senders = null)
    {
        var reader = new ByteSpanReader(source);
        var seq = reader.ReadInt64();
        var ts = reader.ReadInt64();
        var from = ReadProfile(ref reader, source, senders);
        var body = ReadBody(ref reader);
        return new ChatMessage(conv, seq, ts, from, body, reader.ReadNullableString());
    }

    private static int SizeOfProfile(UserProfile profile) =>
        ByteSpanWriter.SizeOf(profile.Id) + ByteSpanWriter.SizeOf(profile.Name) + ByteSpanWriter.SizeOf(profile.AvatarUrl);

    private static int SizeOf(MessageBody body) => body switch
    {
        TextBody text => ByteSpanWriter.SizeOf(text.Text),
        ImageBody image => ByteSpanWriter.SizeOf(image.StoredUrl) + ByteSpanWriter.SizeOf(image.Width) + ByteSpanWriter.SizeOf(image.Height),
        AudioBody audio => ByteSpanWriter.SizeOf(audio.StoredUrl) + sizeof(int),
        EncryptedBody encrypted => ByteSpanWriter.SizeOf(encrypted.KeyId) + ByteSpanWriter.SizeOf(encrypted.Data),
        RecallBody => sizeof(long),
        RecalledBody => 0,
        _ => throw Unstorable(body),
    };

    private static void WriteBody(ref ByteSpanWriter writer, MessageBody body)
    {
        switch (body)
        {
            case TextBody text:
                writer.WriteByte((byte)BodyKind.Text);
                writer.WriteString(text.Text);
                break;
            case ImageBody image:
                writer.WriteByte((byte)BodyKind.Image);
                writer.WriteString(image.StoredUrl);
                writer.WriteNullableInt32(image.Width);
                writer.WriteNullableInt32(image.Height);
                break;
            case AudioBody audio:
                writer.WriteByte((byte)BodyKind.Audio);
                writer.WriteString(audio.StoredUrl);
                writer.WriteInt32(audio.DurationMs);
                break;
            case EncryptedBody encrypted:
                writer.WriteByte((byte)BodyKind.Encrypted);
                writer.WriteString(encrypted.KeyId);
                writer.WriteString(encrypted.Data);
                break;
            case RecallBody recall:
                writer.WriteByte((byte)BodyKind.Recall);
                writer.WriteInt64(recall.Seq);
                break;
            case RecalledBody:
                writer.WriteByte((byte)BodyKind.Recalled);
                break;
            default:
                throw Unstorable(body);
        }
    }

    private static ArgumentException Unstorable(MessageBody body) =>
        new($"The in-memory message log cannot store a body of kind {body.GetType().Name}.", nameof(body));

    private static MessageBody ReadBody(ref ByteSpanReader reader) => (BodyKind)reader.ReadByte() switch
    {
        BodyKind.Text => new TextBody(reader.ReadString()),
        BodyKind.Image => new ImageBody(reader.ReadString(), reader.ReadNullableInt32(), reader.ReadNullableInt32()),
        BodyKind.Audio => new AudioBody(reader.ReadString(), reader.ReadInt32()),
        BodyKind.Encrypted => new EncryptedBody(reader.ReadString(), reader.ReadString()),
        BodyKind.Recall => new RecallBody(reader.ReadInt64()),
        BodyKind.Recalled => new RecalledBody(),
        var unknown => throw new InvalidDataException($"A stored message has an unknown body kind {(byte)unknown}."),
    };

    private static UserProfile ReadProfile(ref ByteSpanReader reader, ReadOnlySpan<byte> source, PageSenders? senders)
    {
        var start = reader.Position;
        if (senders is null)
        {
            return ReadProfileFields(ref reader);
        }

        reader.SkipString();
        reader.SkipString();
        reader.SkipString();
        var encoded = source[start..reader.Position];
        if (senders.Find(encoded) is { } known)
        {
            return known;
        }

        var profileReader = new ByteSpanReader(encoded);
        return senders.Add(encoded, ReadProfileFields(ref profileReader));
    }

    private static UserProfile ReadProfileFields(ref ByteSpanReader reader) =>
        new(reader.ReadString(), reader.ReadString(), reader.ReadNullableString());
}
