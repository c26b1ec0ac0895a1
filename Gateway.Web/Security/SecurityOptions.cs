namespace OrleansChat.Gateway.Security;

public enum EncryptionMode
{
    /// <summary>Plaintext JSON frames only; a <c>hello</c> is an unknown frame type.</summary>
    Off,

    /// <summary>A client chooses: <c>hello</c> as its first frame encrypts the session, anything else keeps it plaintext.</summary>
    Optional,

    /// <summary>Every session must start with <c>hello</c>; any other first frame closes it with 1008.</summary>
    Required,
}

/// <summary>Session encryption on the WebSocket (section "Security").</summary>
public sealed class SecurityOptions
{
    public const string SectionName = "Security";

    /// <summary>Whether sessions may, must or cannot be encrypted (docs/protocol.md, "Encrypted sessions").</summary>
    public EncryptionMode Encryption { get; set; } = EncryptionMode.Off;

    /// <summary>
    /// RSA keys (>= 2048 bits) that clients wrap their session keys with. The first is published at
    /// <c>GET /api/crypto/key</c>; every listed key still unwraps, for rotation. Empty: an ephemeral key.
    /// (Not <c>Encryption:Keys</c>: a JSON setting cannot be both a value and a section.)
    /// </summary>
    public List<RsaKeySettings> EncryptionKeys { get; set; } = [];
}
