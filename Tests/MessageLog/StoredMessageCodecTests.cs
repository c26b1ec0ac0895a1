using OrleansChat.Grains.MessageLog.Encryption;
using OrleansChat.Grains.MessageLog.InMemory;
using OrleansChat.Model;

namespace OrleansChat.Tests.MessageLog;

public sealed class StoredMessageCodecTests
{
    private const string Conv = "dm:alice:bob";

    public static TheoryData<ChatMessage> Messages() => new()
    {
        Message(new TextBody("hello, wörld ✓ 👋 日本語"), "c-1", new UserProfile("alice", "Alice", "https://cdn.example/a.png")),
        Message(new TextBody(""), clientId: null, new UserProfile("", "", AvatarUrl: null)),
        Message(new ImageBody("https://cdn.example/cat.jpg", 640, 480), "c-2"),
        Message(new ImageBody("https://cdn.example/dog.jpg"), "c-3"),
        Message(new ImageBody("u", Width: 0, Height: null), "c-4"),
        Message(new AudioBody("https://cdn.example/hi.ogg", 1500), "c-5"),
        Message(new AudioBody("", int.MinValue), ""),
        Message(new EncryptedBody("k1", "bm9uY2UtY2lwaGVydGV4dC10YWc="), "c-6"),
        Message(new RecallBody(long.MaxValue), clientId: null),
        Message(new RecalledBody(), "c-8"),
        Message(new TextBody(new string('é', 100_000)), "c-7", seq: long.MaxValue, ts: long.MinValue),
    };

    [Theory]
    [MemberData(nameof(Messages))]
    public void Round_trips_every_field_of_every_body_kind_in_exactly_its_size(ChatMessage message)
    {
        var bytes = new byte[StoredMessageCodec.SizeOf(message) + 3];
        bytes.AsSpan().Fill(0xEE);

        StoredMessageCodec.Write(message, bytes.AsSpan(0, bytes.Length - 3));

        Assert.Equal(message, StoredMessageCodec.Read(bytes, Conv));
        Assert.Equal(message, StoredMessageCodec.Read(bytes, Conv, new PageSenders()));
        Assert.Equal([0xEE, 0xEE, 0xEE], bytes[^3..]);
    }

    [Fact]
    public void Messages_read_into_one_page_share_one_profile_per_sender()
    {
        var alice = new UserProfile("alice", "Alice", null);
        var bob = new UserProfile("bob", "Bob", "https://cdn.example/b.png");
        var senders = new PageSenders();

        var read = new[] { alice, bob, alice, bob }.Select(from => RoundTrip(Message(new TextBody("x"), "c", from), senders)).ToList();

        Assert.Equal([alice, bob, alice, bob], read.Select(m => m.From));
        Assert.Same(read[0].From, read[2].From);
        Assert.Same(read[1].From, read[3].From);
        Assert.NotSame(read[0].From, read[1].From);
    }

    [Fact]
    public void A_body_kind_without_an_encoding_is_refused_before_anything_is_written()
    {
        var message = Message(new UnknownBody(), "c-1");

        var error = Assert.Throws<ArgumentException>(() => StoredMessageCodec.SizeOf(message));
        Assert.Contains(nameof(UnknownBody), error.Message, StringComparison.Ordinal);
    }

    private static ChatMessage RoundTrip(ChatMessage message, PageSenders senders)
    {
        var bytes = new byte[StoredMessageCodec.SizeOf(message)];
        StoredMessageCodec.Write(message, bytes);
        return StoredMessageCodec.Read(bytes, Conv, senders);
    }

    private static ChatMessage Message(MessageBody body, string? clientId, UserProfile? from = null, long seq = 7, long ts = 1_764_000_000_123) =>
        new(Conv, seq, ts, from ?? new UserProfile("bob", "Bob", null), body, clientId);

    private sealed record UnknownBody : MessageBody;
}
