using System.Buffers.Binary;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using OrleansChat.Protocol;

namespace OrleansChat.Tests.Infrastructure;

/// <summary>
/// The client's half of an encrypted session, written from docs/protocol.md with .NET's RSA and AesGcm and
/// nothing of the gateway's code: fetch the public key, wrap a fresh AES-256 key with RSA-OAEP-SHA256 in a
/// <c>hello</c>, then seal frames as [8-byte counter][ciphertext][tag] with nonce = direction (1 up, 2 down) + counter.
/// </summary>
public sealed class ClientSessionCipher : IDisposable
{
    private readonly AesGcm _aes;
    private ulong _sendCounter;
    private ulong _receiveCounter;

    private ClientSessionCipher(string keyId, byte[] key, byte[] wrappedKey)
    {
        KeyId = keyId;
        WrappedKey = wrappedKey;
        _aes = new AesGcm(key, 16);
    }

    public string KeyId { get; }

    public byte[] WrappedKey { get; }

    public string Hello => JsonSerializer.Serialize(new { type = "hello", id = "h1", keyId = KeyId, key = Convert.ToBase64String(WrappedKey) });

    /// <summary>Fetches <c>GET /api/crypto/key</c> and wraps a fresh session key with the published SPKI.</summary>
    public static async Task<ClientSessionCipher> CreateAsync(HttpClient http, string? keyIdOverride = null)
    {
        using var published = JsonDocument.Parse(await http.GetStringAsync(new Uri("/api/crypto/key", UriKind.Relative)));
        var root = published.RootElement;
        Assert.Equal("RSA-OAEP-256", root.GetProperty("alg").GetString());
        using var rsa = RSA.Create();
        rsa.ImportSubjectPublicKeyInfo(Convert.FromBase64String(root.GetProperty("spki").GetString()!), out _);
        Assert.True(rsa.KeySize >= 2048, "the server's key has at least 2048 bits");
        var key = RandomNumberGenerator.GetBytes(32);
        return new ClientSessionCipher(keyIdOverride ?? root.GetProperty("keyId").GetString()!, key, rsa.Encrypt(key, RSAEncryptionPadding.OaepSHA256));
    }

    /// <summary>Connects, says hello as the first frame and waits for the encrypted hello reply.</summary>
    public static async Task<(ChatClient Client, ClientSessionCipher Cipher)> ConnectAsync(GatewayServer server, string token)
    {
        var cipher = await CreateAsync(server.Http);
        var client = await ChatClient.ConnectAsync(server.WebSocketUri(token), receive: false);
        client.BinaryDecoder = cipher.Open;
        client.StartReceiving();
        await client.SendRawAsync(cipher.Hello);
        await client.WaitForAsync(f => f.Type == "hello" && f.Re == "h1");
        return (client, cipher);
    }

    /// <summary>The next client-to-server frame.</summary>
    public byte[] Seal(string json)
    {
        var plaintext = Encoding.UTF8.GetBytes(json);
        var frame = new byte[8 + plaintext.Length + 16];
        BinaryPrimitives.WriteUInt64BigEndian(frame, _sendCounter);
        _aes.Encrypt(Nonce(1, _sendCounter++), plaintext, frame.AsSpan(8, plaintext.Length), frame.AsSpan(frame.Length - 16));
        return frame;
    }

    public byte[] Seal(object frame) => Seal(JsonSerializer.Serialize(frame, ProtocolJson.Options));

    /// <summary>Opens the next server-to-client frame; throws unless it carries exactly the expected counter.</summary>
    public byte[] Open(byte[] frame)
    {
        var counter = BinaryPrimitives.ReadUInt64BigEndian(frame);
        if (counter != _receiveCounter)
        {
            throw new CryptographicException($"server frame counter {counter}, expected {_receiveCounter}");
        }

        var plaintext = new byte[frame.Length - 8 - 16];
        _aes.Decrypt(Nonce(2, counter), frame.AsSpan(8, plaintext.Length), frame.AsSpan(frame.Length - 16), plaintext);
        _receiveCounter++;
        return plaintext;
    }

    public Task SendAsync(ChatClient client, object frame) => client.SendBytesAsync(Seal(frame), WebSocketMessageType.Binary);

    public void Dispose() => _aes.Dispose();

    private static byte[] Nonce(uint direction, ulong counter)
    {
        var nonce = new byte[12];
        BinaryPrimitives.WriteUInt32BigEndian(nonce, direction);
        BinaryPrimitives.WriteUInt64BigEndian(nonce.AsSpan(4), counter);
        return nonce;
    }
}
