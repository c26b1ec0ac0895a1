using System.Buffers.Binary;
using System.Security.Cryptography;

namespace OrleansChat.Gateway.Security;

/// <summary>
/// AES-256-GCM for one encrypted session, both directions under the client's key. A frame is
/// <c>[8-byte big-endian counter][ciphertext][16-byte tag]</c>; its nonce is a 4-byte direction tag
/// (client to server 1, server to client 2, big-endian) and the counter. Each direction counts from 0 and the
/// receiver accepts only the next counter, so a replayed, dropped-and-reordered or tampered frame fails and a
/// nonce is never used twice under one key.
/// </summary>
public sealed class FrameCipher : IDisposable
{
    public const int KeyBytes = 32;
    public const int CounterBytes = 8;
    public const int TagBytes = 16;
    public const uint ClientToServer = 1;
    public const uint ServerToClient = 2;

    private readonly AesGcm _seal;
    private readonly AesGcm _open;
    private ulong _sendCounter;
    private ulong _receiveCounter;

    public FrameCipher(byte[] key)
    {
        // Two instances: sealing (any thread, under the session's lock) and opening (the receive loop) never share one.
        _seal = new AesGcm(key, TagBytes);
        _open = new AesGcm(key, TagBytes);
    }

    /// <summary>Seals the next server-to-client frame. Callers serialise calls, so counters leave in order.</summary>
    public byte[] Seal(ReadOnlySpan<byte> plaintext)
    {
        var frame = new byte[CounterBytes + plaintext.Length + TagBytes];
        var counter = _sendCounter++;
        BinaryPrimitives.WriteUInt64BigEndian(frame, counter);
        _seal.Encrypt(Nonce(ServerToClient, counter), plaintext, frame.AsSpan(CounterBytes, plaintext.Length), frame.AsSpan(frame.Length - TagBytes));
        return frame;
    }

    /// <summary>Opens the next client-to-server frame; null with the reason when it is short, out of order or forged.</summary>
    public byte[]? TryOpen(ReadOnlySpan<byte> frame, out string? problem)
    {
        problem = null;
        if (frame.Length < CounterBytes + TagBytes)
        {
            problem = "encrypted frame too short";
            return null;
        }

        var counter = BinaryPrimitives.ReadUInt64BigEndian(frame);
        if (counter != _receiveCounter)
        {
            problem = counter < _receiveCounter ? "replayed frame" : "frame out of order";
            return null;
        }

        var plaintext = new byte[frame.Length - CounterBytes - TagBytes];
        try
        {
            _open.Decrypt(Nonce(ClientToServer, counter), frame.Slice(CounterBytes, plaintext.Length), frame[^TagBytes..], plaintext);
        }
        catch (AuthenticationTagMismatchException)
        {
            problem = "frame failed authentication";
            return null;
        }

        _receiveCounter++;
        return plaintext;
    }

    public void Dispose()
    {
        _seal.Dispose();
        _open.Dispose();
    }

    public static byte[] Nonce(uint direction, ulong counter)
    {
        var nonce = new byte[12];
        BinaryPrimitives.WriteUInt32BigEndian(nonce, direction);
        BinaryPrimitives.WriteUInt64BigEndian(nonce.AsSpan(4), counter);
        return nonce;
    }
}
