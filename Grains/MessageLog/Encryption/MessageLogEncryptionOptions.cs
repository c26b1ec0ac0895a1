namespace OrleansChat.Grains.MessageLog.Encryption;

/// <summary>One at-rest key: an id stored with each record, and 32 random bytes in base64.</summary>
public sealed class MessageLogKeySettings
{
    public string Id { get; set; } = "";

    public string Base64Key { get; set; } = "";
}

/// <summary>
/// Encryption of message bodies at rest (section "MessageLog:Encryption"). Off while <see cref="Keys"/> is empty.
/// The first key encrypts new messages; every listed key decrypts, so old records stay readable after a rotation.
/// </summary>
public sealed class MessageLogEncryptionOptions
{
    public const string SectionName = "MessageLog:Encryption";

    public List<MessageLogKeySettings> Keys { get; set; } = [];
}
