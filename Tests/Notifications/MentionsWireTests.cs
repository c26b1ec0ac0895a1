using System.Text;
using System.Text.Json;
using OrleansChat.Gateway.Protocol;
using OrleansChat.Model;
using OrleansChat.Protocol;

namespace OrleansChat.Tests.Notifications;

/// <summary>The <c>mentions</c> of a text body on the wire: read by the general path (the one-pass reader steps aside), and not written when absent.</summary>
public sealed class MentionsWireTests
{
    private const string Send = """{"type":"room.send","id":"c1","room":"lobby","body":{"kind":"text","text":"hi @bob","mentions":["o_bob","o_eve"]}}""";

    [Fact]
    public void A_room_send_with_mentions_is_read_with_them_by_the_general_path()
    {
        var utf8 = Encoding.UTF8.GetBytes(Send);

        Assert.Null(HotFrameReader.TryRead(utf8, 64, 16));
        var frame = Assert.IsType<RoomSendCommand>(JsonSerializer.Deserialize<ClientFrame>(utf8, ProtocolJson.Options));
        var body = Assert.IsType<TextBody>(frame.Body);
        Assert.Equal("hi @bob", body.Text);
        Assert.Equal(["o_bob", "o_eve"], body.Mentions!);
    }

    [Fact]
    public void A_body_without_mentions_is_written_without_the_field()
    {
        Assert.Equal("""{"kind":"text","text":"hi"}""", JsonSerializer.Serialize<MessageBody>(new TextBody("hi"), ProtocolJson.Options));
        Assert.Contains("\"mentions\":[\"o_bob\"]", JsonSerializer.Serialize<MessageBody>(new TextBody("hi", ["o_bob"]), ProtocolJson.Options), StringComparison.Ordinal);
    }
}
