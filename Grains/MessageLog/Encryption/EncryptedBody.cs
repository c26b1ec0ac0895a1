using OrleansChat.Model;

namespace OrleansChat.Grains.MessageLog.Encryption;

/// <summary>
/// A body as <see cref="EncryptingMessageLog"/> hands it to the log it wraps: the original body's JSON sealed with
/// AES-256-GCM under the key <see cref="KeyId"/>. Lives only inside the message log; never on the wire.
/// <see cref="Data"/> is base64 of <c>[12-byte nonce][ciphertext][16-byte tag]</c> (a string, so records compare by value).
/// </summary>
[GenerateSerializer, Immutable]
public sealed record EncryptedBody(string KeyId, string Data) : MessageBody;
