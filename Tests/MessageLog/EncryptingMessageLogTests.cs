using System.Security.Cryptography;
using OrleansChat.Grains.MessageLog;
using OrleansChat.Grains.MessageLog.Encryption;
using OrleansChat.Grains.MessageLog.InMemory;
using OrleansChat.Model;

namespace OrleansChat.Tests.MessageLog;

/// <summary>The shared contract over <see cref="EncryptingMessageLog"/> wrapping the in-memory log.</summary>
public sealed class EncryptingMessageLogConformanceTests : MessageLogConformanceTests
{
    protected override Task<IMessageLog> CreateLogAsync() =>
        Task.FromResult<IMessageLog>(new EncryptingMessageLog(new InMemoryMessageLog(), new BodyCipher([EncryptingMessageLogTests.Key("k1")])));
}

/// <summary>What the wrapped log really stores, and key rotation.</summary>
public sealed class EncryptingMessageLogTests
{
    private static readonly UserProfile Alice = new("alice", "Alice", null);
    private static readonly MessageLogKeySettings K1 = Key("k1");
    private static readonly MessageLogKeySettings K2 = Key("k2");

    [Fact]
    public async Task The_inner_log_holds_only_ciphertext_and_the_key_id()
    {
        var inner = new InMemoryMessageLog();
        var log = new EncryptingMessageLog(inner, new BodyCipher([K1]));
        var conv = NewConv();
        var text = new ChatMessage(conv, 1, 1000, Alice, new TextBody("the launch code is 0000"), "c1");
        var image = new ChatMessage(conv, 2, 1001, Alice, new ImageBody("https://cdn.example/secret-plan.png", 10, 10), "c2");

        await log.AppendAsync(text);
        await log.AppendAsync(image);

        var stored = (await inner.ReadAfterAsync(conv, 0, 10)).Messages;
        Assert.All(stored, m =>
        {
            var body = Assert.IsType<EncryptedBody>(m.Body);
            Assert.Equal("k1", body.KeyId);
            Assert.DoesNotContain("launch", body.Data, StringComparison.Ordinal);
            Assert.DoesNotContain("secret-plan", body.Data, StringComparison.Ordinal);
        });
        Assert.Equal((text.Conv, text.Seq, text.Ts, text.From, text.ClientId), (stored[0].Conv, stored[0].Seq, stored[0].Ts, stored[0].From, stored[0].ClientId));
        Assert.Equal([text, image], (await log.ReadAfterAsync(conv, 0, 10)).Messages);
    }

    [Fact]
    public async Task After_rotation_new_messages_use_the_new_key_and_old_ones_stay_readable()
    {
        var inner = new InMemoryMessageLog();
        var conv = NewConv();
        var before = new ChatMessage(conv, 1, 1000, Alice, new TextBody("before"), null);
        var after = new ChatMessage(conv, 2, 1001, Alice, new AudioBody("https://cdn.example/a.ogg", 900), null);
        await new EncryptingMessageLog(inner, new BodyCipher([K1])).AppendAsync(before);

        var rotated = new EncryptingMessageLog(inner, new BodyCipher([K2, K1]));
        await rotated.AppendAsync(after);
        var resend = await rotated.AppendAsync(before);

        Assert.True(resend.Duplicate);
        Assert.Equal([before, after], (await rotated.ReadAfterAsync(conv, 0, 10)).Messages);
        Assert.Equal(["k1", "k2"], (await inner.ReadAfterAsync(conv, 0, 10)).Messages.Select(m => ((EncryptedBody)m.Body).KeyId));

        var k1Dropped = new EncryptingMessageLog(inner, new BodyCipher([K2]));
        await Assert.ThrowsAsync<CryptographicException>(() => k1Dropped.ReadAfterAsync(conv, 0, 10));
    }

    [Fact]
    public async Task A_ciphertext_moved_to_another_record_does_not_open()
    {
        var inner = new InMemoryMessageLog();
        var cipher = new BodyCipher([K1]);
        var conv = NewConv();
        var original = new ChatMessage(conv, 1, 1000, Alice, new TextBody("mine"), null);
        var moved = original with { Seq = 2, Body = cipher.Seal(original) };
        await inner.AppendAsync(moved);

        var log = new EncryptingMessageLog(inner, cipher);

        await Assert.ThrowsAnyAsync<CryptographicException>(() => log.ReadAfterAsync(conv, 0, 10));
    }

    internal static MessageLogKeySettings Key(string id) => new() { Id = id, Base64Key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)) };

    private static string NewConv() => $"room:e{Guid.NewGuid():N}";
}
