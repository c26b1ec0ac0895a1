namespace OrleansChat.Grains.MessageLog.Encryption;

/// <summary>One at-rest key: an id stored with each record, and 32 random bytes in base64.</summary>
public sealed class MessageLogKeySettings
{
    /// <summary>Stored with every record it encrypts, so a record names the key that decrypts it.</summary>
    public string Id { get; set; } = "";

    /// <summary>32 random bytes (AES-256), base64.</summary>
    public string Base64Key { get; set; } = "";
}

/// <summary>
/// Encryption of message bodies at rest (section "MessageLog:Encryption"). Off while <see cref="Keys"/> is empty.
/// The first key encrypts new messages; every listed key decrypts, so old records stay readable after a rotation.
/// </summary>
public sealed class MessageLogEncryptionOptions
{
    public const string SectionName = "MessageLog:Encryption";

    /// <summary>The keys: the first encrypts, all decrypt. Empty: bodies are stored in the clear.</summary>
    public List<MessageLogKeySettings> Keys { get; set; } = [];
}
