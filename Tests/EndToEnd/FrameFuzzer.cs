using System.Net.WebSockets;
using System.Text;
using System.Text.Json.Nodes;

namespace OrleansChat.Tests.EndToEnd;

/// <summary>One fuzz frame: its bytes, how it goes on the wire, what it is, and the close code it must cause (if any).</summary>
public sealed record FuzzFrame(byte[] Payload, WebSocketMessageType Type, string Kind, WebSocketCloseStatus? ExpectedClose = null);

/// <summary>
/// Makes random and mutated client frames from one seeded <see cref="Random"/>: valid frames, valid frames with one
/// field replaced, removed or added, truncated JSON, garbage text, deep nesting, huge numbers, wrong and unknown
/// types, byte-level edits and binary frames. <see cref="Next"/> never makes a frame that closes the connection;
/// <see cref="NextClosing"/> makes one that must (1007 or 1009).
/// </summary>
public sealed class FrameFuzzer(Random random, string roomPrefix, string me, IReadOnlyList<string> peers, int maxFrameBytes)
{
    private const string Placeholder = "\u0001fuzz\u0001";

    private static readonly string[] Types =
        ["ping", "room.join", "room.leave", "room.send", "room.members", "dm.request", "dm.accept", "dm.decline", "dm.send", "dm.leave", "history", "sync"];

    private static readonly string[] RawValues =
    [
        "null", "true", "false", "0", "-1", "1", "0.5", "-0", "1e308", "-1e308", "1e400", "-1e400", "123456789012345678901234567890",
        "9223372036854775807", "9223372036854775808", "-9223372036854775809", "2147483648", "1E-400", "\"\"", "\" \"", "\"x\"",
        "\"\\u0000\"", "\"\\ud800\"", "\"\\udc00x\"", "\"\\ud83d\\ude00\"", "\"😀中文\"", "\"room:x\"", "\"dm:a:b\"", "\"https://cdn.example/a.png\"",
        "\"javascript:alert(1)\"", "\"https://\"", "\"http://x\"", "[]", "{}", "[1,\"a\",null]", "{\"kind\":\"text\"}", "{\"kind\":\"image\",\"url\":5}",
        "{\"kind\":\"video\"}", "{\"kind\":null}", "{\"kind\":\"text\",\"text\":\"ok\",\"kind\":\"audio\"}", "\"ping\"", "\"room.send\"",
    ];

    private int _next;

    public FuzzFrame Next()
    {
        var roll = random.Next(100);
        return roll switch
        {
            < 12 => Text("valid", Serialize(ValidFrame())),
            < 45 => Text("mutated field", MutatedField()),
            < 55 => Text("truncated", Truncated()),
            < 63 => Text("garbage text", GarbageText()),
            < 68 => Text("deep nesting", DeepNesting()),
            < 73 => Text("huge number", HugeNumber()),
            < 78 => Text("wrong type", WrongType()),
            < 90 => Text("byte edit", ByteEdited()),
            _ => new FuzzFrame(RandomBytes(random.Next(0, 300)), WebSocketMessageType.Binary, "binary"),
        };
    }

    public FuzzFrame NextClosing()
    {
        if (random.Next(2) == 0)
        {
            var valid = Encoding.UTF8.GetBytes(Serialize(ValidFrame())).ToList();
            var bad = new[] { (byte)0xff, (byte)0xc0, (byte)0xed, (byte)0x80, (byte)0xf5 }[random.Next(5)];
            valid.Insert(random.Next(valid.Count + 1), bad);
            if (bad == 0xed)
            {
                valid.InsertRange(valid.IndexOf(0xed) + 1, [0xa0, 0x80]); // an encoded surrogate: invalid UTF-8
            }

            return new FuzzFrame([.. valid], WebSocketMessageType.Text, "invalid utf-8", WebSocketCloseStatus.InvalidPayloadData);
        }

        var pad = new string('x', maxFrameBytes + random.Next(1, 4096));
        return new FuzzFrame(Encoding.UTF8.GetBytes($"{{\"type\":\"ping\",\"pad\":\"{pad}\"}}"), WebSocketMessageType.Text, "oversized", WebSocketCloseStatus.MessageTooBig);
    }

    private static FuzzFrame Text(string kind, string json) => new(Encoding.UTF8.GetBytes(json), WebSocketMessageType.Text, kind);

    private JsonObject ValidFrame()
    {
        var type = Pick(Types);
        var frame = new JsonObject { ["type"] = type, ["id"] = $"z{_next++}" };
        switch (type)
        {
            case "room.join" or "room.leave" or "room.members":
                frame["room"] = Room();
                break;
            case "room.send":
                frame["room"] = Room();
                frame["body"] = Body();
                break;
            case "dm.request":
                frame["to"] = Peer();
                break;
            case "dm.accept" or "dm.decline":
                frame["from"] = Peer();
                break;
            case "dm.send":
                frame["to"] = Peer();
                frame["body"] = Body();
                break;
            case "dm.leave":
                frame["with"] = Peer();
                break;
            case "history":
                frame["conv"] = Conv();
                if (random.Next(2) == 0)
                {
                    frame["before"] = random.Next(1, 50);
                }

                if (random.Next(2) == 0)
                {
                    frame["limit"] = random.Next(1, 100);
                }

                break;
            case "sync":
                var cursors = new JsonObject();
                for (var i = random.Next(0, 4); i > 0; i--)
                {
                    cursors[Conv()] = random.Next(0, 20);
                }

                frame["cursors"] = cursors;
                break;
        }

        return frame;
    }

    private JsonObject Body() => random.Next(3) switch
    {
        0 => new JsonObject { ["kind"] = "text", ["text"] = RandomText(random.Next(1, 80)) },
        1 => new JsonObject { ["kind"] = "image", ["url"] = "https://cdn.example/a.png", ["width"] = random.Next(1, 2000), ["height"] = random.Next(1, 2000) },
        _ => new JsonObject { ["kind"] = "audio", ["url"] = "https://cdn.example/a.mp3", ["durationMs"] = random.Next(1, 60000) },
    };

    /// <summary>A valid frame with one field (top level or inside body/cursors) replaced, removed, or one added.</summary>
    private string MutatedField()
    {
        var frame = ValidFrame();
        var target = frame["body"] is JsonObject body && random.Next(2) == 0 ? body
            : frame["cursors"] is JsonObject cursors && cursors.Count > 0 && random.Next(2) == 0 ? cursors
            : frame;
        var keys = target.Select(p => p.Key).ToList();
        switch (random.Next(4))
        {
            case 0:
                target.Remove(Pick(keys));
                return Serialize(frame);
            case 1:
                target["x" + random.Next(1000)] = Placeholder;
                break;
            default:
                target[Pick(keys)] = Placeholder;
                break;
        }

        return Serialize(frame).Replace(Quote(Placeholder), RandomValue(), StringComparison.Ordinal);
    }

    private string Truncated()
    {
        var json = Serialize(ValidFrame());
        return json[..random.Next(json.Length)];
    }

    private string GarbageText()
    {
        var length = random.Next(0, 200);
        var text = new StringBuilder(length);
        for (var i = 0; i < length; i++)
        {
            text.Append(random.Next(4) switch
            {
                0 => Pick(["{", "}", "[", "]", "\"", ":", ",", "\\"]),
                1 => (char)random.Next(0x20, 0x7f),
                2 => (char)random.Next(0, 0x20),
                _ => (char)random.Next(0xa0, 0xd7ff),
            });
        }

        return text.ToString();
    }

    private string DeepNesting()
    {
        var depth = random.Next(5, 3000);
        var (open, close) = random.Next(2) == 0 ? ("[", "]") : ("{\"a\":", "}");
        var nested = string.Concat(Enumerable.Repeat(open, depth)) + "1" + string.Concat(Enumerable.Repeat(close, random.Next(2) == 0 ? depth : depth / 2));
        return random.Next(2) == 0 ? nested : $"{{\"type\":\"{Pick(Types)}\",\"id\":\"z{_next++}\",\"room\":{nested}}}";
    }

    private string HugeNumber()
    {
        var digits = new string('9', random.Next(20, 2000));
        var number = Pick([digits, "-" + digits, "1e" + digits, "0." + digits, digits + "e-" + digits]);
        var field = Pick(["before", "limit", "id", "type", "room"]);
        return $"{{\"type\":\"history\",\"id\":\"z{_next++}\",\"conv\":\"room:{roomPrefix}-0\",\"{field}\":{number}}}";
    }

    private string WrongType()
    {
        var frame = ValidFrame();
        frame["type"] = random.Next(3) switch
        {
            0 => Pick(Types), // a real type with another type's fields
            1 => "room." + RandomText(random.Next(1, 10)),
            _ => Placeholder,
        };
        return Serialize(frame).Replace(Quote(Placeholder), RandomValue(), StringComparison.Ordinal);
    }

    /// <summary>Inserts, deletes or overwrites a few characters of a valid frame (staying valid UTF-8).</summary>
    private string ByteEdited()
    {
        var text = new StringBuilder(Serialize(ValidFrame()));
        for (var edits = random.Next(1, 4); edits > 0 && text.Length > 0; edits--)
        {
            var at = random.Next(text.Length);
            const string Edits = "{}[]\":,\\0123456789-eE.tfn x";
            var c = Edits[random.Next(Edits.Length)];
            switch (random.Next(3))
            {
                case 0:
                    text.Insert(at, c);
                    break;
                case 1 when !char.IsSurrogate(text[at]):
                    text.Remove(at, 1);
                    break;
                default:
                    if (!char.IsSurrogate(text[at]))
                    {
                        text[at] = c;
                    }

                    break;
            }
        }

        return text.ToString();
    }

    private string RandomValue() => random.Next(6) switch
    {
        0 => Quote(RandomText(random.Next(0, 6000))),
        1 => DeepNesting(),
        _ => Pick(RawValues),
    };

    private string RandomText(int length)
    {
        var text = new StringBuilder(length);
        for (var i = 0; i < length; i++)
        {
            text.Append(random.Next(10) == 0 ? Pick(["中", "😀", "\u200f", "\n", "\"", "\\"]) : ((char)random.Next('a', 'z' + 1)).ToString());
        }

        return text.ToString();
    }

    private string Room() => random.Next(10) == 0 ? RandomText(random.Next(0, 70)) : $"{roomPrefix}-{random.Next(6)}";

    private string Peer() => random.Next(8) switch
    {
        0 => me,
        1 => RandomText(random.Next(0, 70)),
        _ => Pick(peers),
    };

    private string Conv()
    {
        var peer = Peer();
        return random.Next(3) switch
        {
            0 => $"room:{Room()}",
            1 => string.CompareOrdinal(me, peer) < 0 ? $"dm:{me}:{peer}" : $"dm:{peer}:{me}",
            _ => Pick(["room:", "dm:", "dm:a", "dm:b:a", "dm:a:a", "room:a:b", "x:y", "", $"dm:{me}:{me}"]),
        };
    }

    private byte[] RandomBytes(int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }

    private T Pick<T>(IReadOnlyList<T> items) => items[random.Next(items.Count)];

    private static string Serialize(JsonObject frame) => frame.ToJsonString();

    private static string Quote(string text) => System.Text.Json.JsonSerializer.Serialize(text);
}
