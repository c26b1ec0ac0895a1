using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using OrleansChat.Gateway.Protocol;
using OrleansChat.Model;
using OrleansChat.Protocol;
using OrleansChat.Tests.EndToEnd;

namespace OrleansChat.Tests.Protocol;

/// <summary>The one-pass reader of text sends must read exactly what the general path reads, or step aside.</summary>
public sealed class HotFrameReaderTests
{
    private const int MaxIdLength = 64;
    private const int MaxDepth = 16;

    [Theory]
    [InlineData("""{"type":"dm.send","id":"c-1","to":"bob","body":{"kind":"text","text":"hello"}}""")]
    [InlineData("""{"to":"bob","body":{"text":"hello","kind":"text"},"type":"dm.send"}""")]
    [InlineData("""{"type":"dm.send","to":"bob","body":{"kind":"text","text":""}}""")]
    [InlineData("""  {"type" : "room.send", "room":"lobby", "id":"x", "body": {"kind":"text","text":"\"q\" \u00e9 \ud83d\ude00 \n"}}  """)]
    [InlineData("""{"type":"room.send","room":"lobby","body":{"kind":"text","text":"李雷 😀 <b>"},"id":"0123456789012345678901234567890123456789012345678901234567890123"}""")]
    [InlineData("""{"\u0074ype":"dm.send","to":"b\u006fb","body":{"kind":"t\u0065xt","text":"esc"}}""")]
    [InlineData("""{"type":"ping","id":"p-1"}""")]
    [InlineData("""{"id":"p-2","type":"ping"}""")]
    [InlineData("""{"type":"ping"}""")]
    public void Reads_text_sends_and_pings_as_the_general_path_does(string json)
    {
        var utf8 = Encoding.UTF8.GetBytes(json);

        var hot = HotFrameReader.TryRead(utf8, MaxIdLength, MaxDepth);

        Assert.NotNull(hot);
        Assert.Equal(General(utf8), hot);
    }

    [Theory]
    [InlineData("""{"type":"dm.send","to":"bob","body":{"kind":"image","url":"https://x/a.png"}}""")] // another body kind
    [InlineData("""{"type":"room.join","id":"j","room":"lobby"}""")] // another frame type
    [InlineData("""{"type":"ping","id":"p","to":"bob"}""")] // a ping naming a peer: the general path says what is wrong
    [InlineData("""{"type":"ping","id":"p","body":{"kind":"text","text":"hi"}}""")]
    [InlineData("""{"type":"dm.send","to":"bob","body":{"kind":"text","text":"hi"},"extra":1}""")] // unknown field: the general path tolerates it
    [InlineData("""{"type":"dm.send","to":"bob","to":"eve","body":{"kind":"text","text":"hi"}}""")] // repeated field
    [InlineData("""{"type":"dm.send","id":null,"to":"bob","body":{"kind":"text","text":"hi"}}""")] // null id
    [InlineData("""{"type":"dm.send","id":"","to":"bob","body":{"kind":"text","text":"hi"}}""")] // empty id: an error
    [InlineData("""{"type":"dm.send","id":"01234567890123456789012345678901234567890123456789012345678901234","to":"b","body":{"kind":"text","text":"hi"}}""")]
    [InlineData("""{"type":"dm.send","room":"lobby","body":{"kind":"text","text":"hi"}}""")] // dm.send names no peer
    [InlineData("""{"type":"room.send","room":"lobby","to":"bob","body":{"kind":"text","text":"hi"}}""")]
    [InlineData("""{"type":"dm.send","to":"bob"}""")] // no body
    [InlineData("""{"type":"dm.send","to":"bob","body":{"text":"hi"}}""")] // no kind
    [InlineData("""{"type":"dm.send","to":"bob","body":{"kind":"text","text":5}}""")]
    [InlineData("""{"type":"dm.send","to":"bob","body":{"kind":"text","text":"\ud800"}}""")] // lone surrogate
    [InlineData("""{"type":"dm.send","to":"bob","body":{"kind":"text","text":"hi"}} x""")] // trailing bytes
    [InlineData("""{"type":"dm.send","to":"bob","body":{"kind":"text","text":"hi"}""")] // truncated
    [InlineData("""[{"type":"dm.send"}]""")]
    [InlineData("")]
    public void Steps_aside_for_anything_else(string json)
    {
        Assert.Null(HotFrameReader.TryRead(Encoding.UTF8.GetBytes(json), MaxIdLength, MaxDepth));
    }

    [Fact]
    public void Steps_aside_when_the_body_is_deeper_than_allowed()
    {
        var utf8 = """{"type":"dm.send","to":"bob","body":{"kind":"text","text":"hi"}}"""u8.ToArray();

        Assert.NotNull(HotFrameReader.TryRead(utf8, MaxIdLength, maxDepth: 2));
        Assert.Null(HotFrameReader.TryRead(utf8, MaxIdLength, maxDepth: 1));
    }

    [Fact]
    public void Never_reads_a_fuzzed_frame_differently_from_the_general_path()
    {
        var fuzzer = new FrameFuzzer(new Random(7), "room-", "me", ["peer-1", "peer-2"], maxFrameBytes: 16 * 1024);
        var read = 0;
        for (var i = 0; i < 5000; i++)
        {
            var frame = fuzzer.Next();
            if (frame.Type != WebSocketMessageType.Text || HotFrameReader.TryRead(frame.Payload, MaxIdLength, MaxDepth) is not { } hot)
            {
                continue;
            }

            read++;
            Assert.Equal(General(frame.Payload), hot);
        }

        Assert.True(read > 50, $"only {read} fuzzed frames took the hot path");
    }

    private static ClientFrame? General(byte[] utf8) => JsonSerializer.Deserialize<ClientFrame>(utf8, ProtocolJson.Options);
}
