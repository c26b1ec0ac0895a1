using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using OrleansChat.Model;
using OrleansChat.Protocol;

namespace OrleansChat.Grains.MessageLog.Encryption;

/// <summary>
/// Seals and opens message bodies for <see cref="EncryptingMessageLog"/>. The nonce is synthetic: an HMAC of the
/// record's place and the plaintext under a key derived apart from the encryption key. So the same message sealed
/// twice is the same record (the log's duplicate detection still works) while two different bodies never share a
/// nonce, even when a stale writer reuses a seq. The associated data binds a body to its conversation, seq and
/// sender, so a ciphertext moved to another record fails to open.
/// </summary>
public sealed class BodyCipher
{
    private const int NonceBytes = 12;
    private const int TagBytes = 16;

    private readonly Dictionary<string, DerivedKey> _keys = new(StringComparer.Ordinal);
    private readonly string _currentId;

    public BodyCipher(IReadOnlyList<MessageLogKeySettings> keys)
    {
        if (keys.Count == 0)
        {
            throw new ArgumentException("at least one key is required", nameof(keys));
        }

        foreach (var key in keys)
        {
            _keys.Add(key.Id, DerivedKey.From(key));
        }

        _currentId = keys[0].Id;
    }

    public string CurrentKeyId => _currentId;

    public EncryptedBody Seal(ChatMessage message)
    {
        var key = _keys[_currentId];
        var plaintext = JsonSerializer.SerializeToUtf8Bytes(message.Body, ProtocolJson.Options);
        var aad = AssociatedData(message);
        byte[] placeAndBody = [.. aad, .. plaintext];
        var nonce = HMACSHA256.HashData(key.NonceKey, placeAndBody)[..NonceBytes];
        var sealedData = new byte[NonceBytes + plaintext.Length + TagBytes];
        nonce.CopyTo(sealedData, 0);
        using var aes = new AesGcm(key.EncryptionKey, TagBytes);
        aes.Encrypt(nonce, plaintext, sealedData.AsSpan(NonceBytes, plaintext.Length), sealedData.AsSpan(sealedData.Length - TagBytes), aad);
        return new EncryptedBody(_currentId, Convert.ToBase64String(sealedData));
    }

    /// <summary>The original body; throws <see cref="CryptographicException"/> for an unknown key or a record that was altered.</summary>
    public MessageBody Open(ChatMessage stored, EncryptedBody body)
    {
        if (!_keys.TryGetValue(body.KeyId, out var key))
        {
            throw new CryptographicException($"message {stored.Conv}#{stored.Seq} is encrypted with key '{body.KeyId}', which is not in MessageLog:Encryption:Keys");
        }

        var sealedData = Convert.FromBase64String(body.Data);
        if (sealedData.Length < NonceBytes + TagBytes)
        {
            throw new CryptographicException($"message {stored.Conv}#{stored.Seq} has a truncated encrypted body");
        }

        var plaintext = new byte[sealedData.Length - NonceBytes - TagBytes];
        using var aes = new AesGcm(key.EncryptionKey, TagBytes);
        aes.Decrypt(sealedData.AsSpan(0, NonceBytes), sealedData.AsSpan(NonceBytes, plaintext.Length), sealedData.AsSpan(sealedData.Length - TagBytes), plaintext, AssociatedData(stored));
        return JsonSerializer.Deserialize<MessageBody>(plaintext, ProtocolJson.Options)
            ?? throw new CryptographicException($"message {stored.Conv}#{stored.Seq} decrypts to no body");
    }

    private static byte[] AssociatedData(ChatMessage message) =>
        Encoding.UTF8.GetBytes($"orleanschat-log-v1\n{message.Conv}\n{message.Seq}\n{message.From.Id}");

    private sealed record DerivedKey(byte[] EncryptionKey, byte[] NonceKey)
    {
        public static DerivedKey From(MessageLogKeySettings settings)
        {
            byte[] master;
            try
            {
                master = Convert.FromBase64String(settings.Base64Key);
            }
            catch (FormatException)
            {
                throw new ArgumentException($"MessageLog:Encryption key '{settings.Id}' is not base64");
            }

            if (string.IsNullOrWhiteSpace(settings.Id) || master.Length != 32)
            {
                throw new ArgumentException($"MessageLog:Encryption key '{settings.Id}' needs an Id and exactly 32 bytes of key");
            }

            return new DerivedKey(
                HKDF.DeriveKey(HashAlgorithmName.SHA256, master, 32, info: "orleanschat log encryption"u8.ToArray()),
                HKDF.DeriveKey(HashAlgorithmName.SHA256, master, 32, info: "orleanschat log nonce"u8.ToArray()));
        }
    }
}
