using System.Text;
using System.Text.Json;
using OrleansChat.Model;
using OrleansChat.Protocol;

namespace OrleansChat.Tests.Protocol;

/// <summary>The hand-written frames must be exactly what the general serializer writes, escaping included.</summary>
public sealed class HotFrameWriterTests
{
    private static readonly UserProfile Plain = new("u-1", "Ann", null);
    private static readonly UserProfile Tricky = new("u\"2", "李雷 <b>&'+ \u0001 😀", "https://cdn.example/a b?x=1&y=<2>");

    public static TheoryData<string, ServerFrame> HotFrames() => new()
    {
        { "ack, all fields", new AckReply("c-1", "dm:a:b", 7, 1_700_000_000_123) },
        { "ack, only re", new AckReply("c-2") },
        { "ack, no re", new AckReply(null, "room:r") },
        { "dm text", new DmMessageEvent("dm:a:b", 1, 2, Plain, "b", new TextBody("hello"), "m-1") },
        { "dm text, escapes", new DmMessageEvent("dm:a:b", long.MaxValue, 0, Tricky, "b\\", new TextBody("\"q\" \n\t </script> é 😀 \u2028"), null) },
        { "dm empty text", new DmMessageEvent("dm:a:b", 3, 4, Plain, "b", new TextBody(""), "") },
        { "dm image", new DmMessageEvent("dm:a:b", 5, 6, Plain, "b", new ImageBody("https://x/1.png", 640, 480), "m-2") },
        { "dm image, no size", new DmMessageEvent("dm:a:b", 5, 6, Plain, "b", new ImageBody("https://x/1.png"), "m-3") },
        { "dm audio", new DmMessageEvent("dm:a:b", 8, 9, Tricky, "b", new AudioBody("https://x/1.mp3", 12_345), null) },
        { "room text", new RoomMessageEvent("lobby", "room:lobby", 10, 11, Plain, new TextBody("hi all"), "m-4") },
        { "room image", new RoomMessageEvent("lobby", "room:lobby", 12, 13, Tricky, new ImageBody("u", Height: 3), null) },
        { "room audio", new RoomMessageEvent("l\u00e9", "room:l\u00e9", 14, -15, Plain, new AudioBody("u", 0), "m-5") },
        { "pong", new PongReply("p-1", 1_700_000_000_456) },
        { "pong, no re", new PongReply(null, 0) },
    };

    [Theory]
    [MemberData(nameof(HotFrames))]
    public void Writes_what_the_general_serializer_writes(string name, ServerFrame frame)
    {
        var expected = JsonSerializer.SerializeToUtf8Bytes(frame, ProtocolJson.Options);

        var written = HotFrameWriter.TryWrite(frame);

        Assert.NotNull(written);
        Assert.True(expected.AsSpan().SequenceEqual(written), $"{name}:\n{Encoding.UTF8.GetString(expected)}\n{Encoding.UTF8.GetString(written!)}");
    }

    [Fact]
    public void Other_frames_take_the_general_serializer()
    {
        Assert.Null(HotFrameWriter.TryWrite(new DmLeftEvent("dm:a:b", Plain)));
        Assert.Null(HotFrameWriter.TryWrite(new DmMessageEvent("dm:a:b", 1, 2, Plain, "b", new UnknownBody(), null)));
    }

    [Fact]
    public void Frames_written_one_after_another_do_not_share_bytes()
    {
        var first = HotFrameWriter.TryWrite(new AckReply("a-long-client-id", "dm:a:b", 1, 2))!;
        var second = HotFrameWriter.TryWrite(new AckReply("b"))!;

        Assert.Equal("""{"type":"ack","re":"a-long-client-id","conv":"dm:a:b","seq":1,"ts":2}""", Encoding.UTF8.GetString(first));
        Assert.Equal("""{"type":"ack","re":"b"}""", Encoding.UTF8.GetString(second));
    }

    private sealed record UnknownBody : MessageBody;
}
