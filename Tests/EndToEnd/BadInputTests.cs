using System.Net.WebSockets;
using System.Text;
using OrleansChat.Tests.Infrastructure;

namespace OrleansChat.Tests.EndToEnd;

/// <summary>Every kind of bad frame gets a clear error (or its documented close code) and the connection goes on.</summary>
[Collection(GatewayGroup.Name)]
public sealed class BadInputTests(GatewayFixture fixture)
{
    private readonly GatewayServer _server = fixture.Server;

    public static TheoryData<string, string, string> BadFrames => new()
    {
        { "{not json", "bad_request", "malformed JSON" },
        { "[1,2,3]", "bad_request", "JSON object" },
        { "\"ping\"", "bad_request", "JSON object" },
        { "{\"id\":\"x1\"}", "bad_request", "missing \"type\"" },
        { "{\"type\":42,\"id\":\"x1\"}", "bad_request", "missing \"type\"" },
        { "{\"type\":\"room.explode\",\"id\":\"x1\"}", "bad_request", "unknown type" },
        { "{\"type\":\"room.join\",\"id\":\"x1\"}", "bad_request", "missing required" },
        { "{\"type\":\"room.join\",\"id\":\"x1\",\"room\":7}", "bad_request", "$.room" },
        { "{\"type\":\"room.join\",\"id\":\"x1\",\"room\":null}", "bad_request", "room" },
        { "{\"type\":\"room.join\",\"id\":\"x1\",\"room\":\"a:b\"}", "bad_request", "\"room\"" },
        { "{\"type\":\"room.send\",\"id\":\"x1\",\"room\":\"r\",\"body\":{\"text\":\"no kind\"}}", "bad_request", "kind" },
        { "{\"type\":\"room.send\",\"id\":\"x1\",\"room\":\"r\",\"body\":{\"kind\":\"video\",\"url\":\"https://x/y\"}}", "bad_request", "kind" },
        { "{\"type\":\"room.send\",\"id\":\"x1\",\"room\":\"r\",\"body\":{\"kind\":\"text\",\"text\":\"\"}}", "bad_request", "empty" },
        { "{\"type\":\"room.send\",\"id\":\"x1\",\"room\":\"r\",\"body\":{\"kind\":\"image\",\"url\":\"http://plain.example/x.png\"}}", "bad_request", "https" },
        { "{\"type\":\"room.send\",\"id\":\"x1\",\"room\":\"r\",\"body\":{\"kind\":\"audio\",\"url\":\"https://x.example/a\",\"durationMs\":1e40}}", "bad_request", "durationMs" },
        { "{\"type\":\"room.send\",\"id\":\"x1\",\"room\":\"r\",\"body\":{\"kind\":\"audio\",\"url\":\"https://x.example/a\",\"durationMs\":-5}}", "bad_request", "durationMs" },
        { "{\"type\":\"history\",\"id\":\"x1\",\"conv\":\"room:r\",\"limit\":1000}", "bad_request", "limit" },
        { "{\"type\":\"history\",\"id\":\"x1\",\"conv\":\"dm:b:a\"}", "bad_request", "conv" },
        { "{\"type\":\"sync\",\"id\":\"x1\",\"cursors\":[1,2]}", "bad_request", "cursors" },
        { "{\"type\":\"ping\",\"id\":17}", "bad_request", "\"id\"" },
        { "{\"type\":\"ping\",\"id\":\"\\ud800\"}", "bad_request", "surrogate" },
        { "{\"type\":\"room.send\",\"id\":\"x1\",\"room\":\"r\",\"body\":{\"kind\":\"text\",\"text\":\"a\\u0000b\"}}", "bad_request", "U+0000" },
        { "{\"type\":\"dm.send\",\"id\":\"x1\",\"to\":\"bob\",\"body\":{\"kind\":\"text\",\"text\":\"\\u0000\"}}", "bad_request", "U+0000" },
        { "{\"type\":\"room.send\",\"id\":\"x1\",\"room\":\"r\",\"body\":{\"kind\":\"text\",\"text\":\"\\u001b[2Jspoof\"}}", "bad_request", "U+001B" },
        { "{\"type\":\"room.send\",\"id\":\"x1\",\"room\":\"r\",\"body\":{\"kind\":\"text\",\"text\":\"ding\\u0007\"}}", "bad_request", "U+0007" },
    };

    [Theory]
    [MemberData(nameof(BadFrames))]
    public async Task A_bad_frame_gets_an_error_and_the_connection_goes_on(string frame, string code, string messagePart)
    {
        await using var client = await _server.ConnectAsync(GatewayServer.UniqueName("fuzzy"));
        await client.SendRawAsync(frame);
        var error = await client.WaitForAsync(f => f.Type == "error");
        Assert.Equal(code, error.Str("code"));
        Assert.Contains(messagePart, error.Str("message"), StringComparison.Ordinal);
        if (frame.Contains("\"id\":\"x1\"", StringComparison.Ordinal))
        {
            Assert.Equal("x1", error.Re);
        }

        await client.AckedAsync(id => new { type = "ping", id });
    }

    [Fact]
    public async Task Tab_line_feed_and_carriage_return_are_allowed_in_text()
    {
        var room = GatewayServer.UniqueName("lines");
        await using var client = await _server.ConnectAsync(GatewayServer.UniqueName("poet"));
        await client.AckedAsync(id => new { type = "room.join", id, room });

        await client.AckedAsync(id => new { type = "room.send", id, room, body = new { kind = "text", text = "first\tline\r\nsecond line\n" } });

        var message = await client.WaitForAsync(f => f.Type == "room.message" && f.Str("room") == room);
        Assert.Equal("first\tline\r\nsecond line\n", message.Json.GetProperty("body").GetProperty("text").GetString());
    }

    [Fact]
    public async Task Text_over_the_limit_is_too_large()
    {
        await using var client = await _server.ConnectAsync(GatewayServer.UniqueName("verbose"));
        var error = await client.RequestAsync(id => new { type = "room.send", id, room = "r", body = new { kind = "text", text = new string('x', 4001) } });
        Assert.Equal("too_large", error.Str("code"));
    }

    [Fact]
    public async Task Deep_nesting_is_refused_without_harm()
    {
        await using var client = await _server.ConnectAsync(GatewayServer.UniqueName("deep"));
        await client.SendRawAsync("{\"type\":\"ping\",\"x\":" + new string('[', 500) + new string(']', 500) + "}");
        var error = await client.WaitForAsync(f => f.Type == "error");
        Assert.Equal("bad_request", error.Str("code"));
        await client.AckedAsync(id => new { type = "ping", id });
    }

    [Fact]
    public async Task A_binary_frame_gets_an_error()
    {
        await using var client = await _server.ConnectAsync(GatewayServer.UniqueName("binary"));
        await client.SendBytesAsync([0xde, 0xad, 0xbe, 0xef], WebSocketMessageType.Binary);
        var error = await client.WaitForAsync(f => f.Type == "error");
        Assert.Contains("binary", error.Str("message"), StringComparison.Ordinal);
        await client.AckedAsync(id => new { type = "ping", id });
    }

    [Fact]
    public async Task Invalid_UTF8_in_a_text_frame_closes_with_1007_and_the_service_goes_on()
    {
        await using var client = await _server.ConnectAsync(GatewayServer.UniqueName("bytes"));
        await client.SendBytesAsync([(byte)'{', 0xff, 0xfe, (byte)'}'], WebSocketMessageType.Text);
        Assert.Equal(WebSocketCloseStatus.InvalidPayloadData, await client.Closed.WaitAsync(TimeSpan.FromSeconds(10)));

        await using var next = await _server.ConnectAsync(GatewayServer.UniqueName("next"));
        await next.AckedAsync(id => new { type = "ping", id });
    }

    [Fact]
    public async Task A_frame_over_64KiB_closes_with_1009_and_the_service_goes_on()
    {
        await using var client = await _server.ConnectAsync(GatewayServer.UniqueName("huge"));
        var huge = "{\"type\":\"ping\",\"pad\":\"" + new string('x', 70 * 1024) + "\"}";
        await client.SendBytesAsync(Encoding.UTF8.GetBytes(huge), WebSocketMessageType.Text);
        Assert.Equal(WebSocketCloseStatus.MessageTooBig, await client.Closed.WaitAsync(TimeSpan.FromSeconds(10)));

        await using var next = await _server.ConnectAsync(GatewayServer.UniqueName("next"));
        await next.AckedAsync(id => new { type = "ping", id });
    }
}
