using OrleansChat.Model;

namespace OrleansChat.Grains.MessageLog.Encryption;

/// <summary>
/// Encrypts message bodies (text, media URLs, sizes, durations: the whole body) before they reach the wrapped log
/// and decrypts them on the way out; conversation, seq, time, sender and client id stay readable, since the log
/// indexes and deduplicates by them. Records written before encryption was switched on are returned as stored.
/// </summary>
public sealed class EncryptingMessageLog(IMessageLog inner, BodyCipher cipher) : IMessageLog
{
    public async Task<AppendResult> AppendAsync(ChatMessage message, CancellationToken cancellationToken = default)
    {
        try
        {
            var result = await inner.AppendAsync(message with { Body = cipher.Seal(message) }, cancellationToken);
            return result with { Message = Decrypt(result.Message) };
        }
        catch (SequenceConflictException)
        {
            // The same message sealed under an older key: after a rotation a retry is still a duplicate.
            if (await IsStoredAsync(message, cancellationToken))
            {
                return new AppendResult(message, Duplicate: true);
            }

            throw;
        }
    }

    /// <summary>Seals each body, forwards the batch as one, and opens what comes back (rotation as in <see cref="AppendAsync"/>).</summary>
    public async Task<IReadOnlyList<AppendOutcome>> AppendBatchAsync(IReadOnlyList<ChatMessage> messages, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var outcomes = await inner.AppendBatchAsync([.. messages.Select(m => m with { Body = cipher.Seal(m) })], cancellationToken);
        var opened = new AppendOutcome[outcomes.Count];
        for (var i = 0; i < outcomes.Count; i++)
        {
            opened[i] = outcomes[i] switch
            {
                { Result: { } result } => AppendOutcome.Of(result with { Message = Decrypt(result.Message) }),
                { Failure: SequenceConflictException } when await IsStoredAsync(messages[i], cancellationToken) =>
                    AppendOutcome.Of(new AppendResult(messages[i], Duplicate: true)),
                var failed => failed,
            };
        }

        return opened;
    }

    public async Task<MessagePage> ReadBeforeAsync(string conv, long? beforeSeq, int limit, CancellationToken cancellationToken = default) =>
        Decrypt(await inner.ReadBeforeAsync(conv, beforeSeq, limit, cancellationToken));

    public async Task<MessagePage> ReadAfterAsync(string conv, long afterSeq, int limit, CancellationToken cancellationToken = default) =>
        Decrypt(await inner.ReadAfterAsync(conv, afterSeq, limit, cancellationToken));

    public Task<long> GetLastSeqAsync(string conv, CancellationToken cancellationToken = default) => inner.GetLastSeqAsync(conv, cancellationToken);

    /// <summary>The erased body is stored in the clear: a placeholder with nothing left to protect.</summary>
    public Task<bool> EraseAsync(string conv, long seq, CancellationToken cancellationToken = default) => inner.EraseAsync(conv, seq, cancellationToken);

    private async Task<bool> IsStoredAsync(ChatMessage message, CancellationToken cancellationToken)
    {
        var page = await ReadAfterAsync(message.Conv, message.Seq - 1, 1, cancellationToken);
        return page.Messages is [var stored] && stored == message;
    }

    private MessagePage Decrypt(MessagePage page) =>
        page.Messages.Any(m => m.Body is EncryptedBody) ? page with { Messages = [.. page.Messages.Select(Decrypt)] } : page;

    private ChatMessage Decrypt(ChatMessage stored) =>
        stored.Body is EncryptedBody body ? stored with { Body = cipher.Open(stored, body) } : stored;
}
