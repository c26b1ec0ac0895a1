using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using OrleansChat.Grains.MessageLog.Encryption;

namespace OrleansChat.Gateway.Media.Storage;

/// <summary>
/// At-rest encryption of media bytes with the message log's key ring (<c>MessageLog:Encryption:Keys</c>): the first key
/// seals, every listed key opens, so keys rotate as the log's do (an item names its key in <see cref="StoredMedia.KeyId"/>).
/// <para>
/// A variant is sealed as <c>[magic "OCM1"][16-byte random salt]</c> followed by AES-256-GCM chunks of
/// <see cref="ChunkSize"/> plaintext bytes, each with its 16-byte tag. The chunk key is derived per item and variant
/// (HKDF over the master key with the salt, the media id and the variant), so a nonce is just the chunk index: unique
/// under its key even when two uploads of the same id race. The associated data names the chunk index and the chunk
/// count (which follows from the recorded length), so a chunk moved, dropped, repeated or cut short fails to open.
/// Chunks are what make Range requests cheap: only the chunks a range covers are read and opened.
/// </para>
/// </summary>
public sealed class MediaCipher
{
    public const int ChunkSize = 64 * 1024;
    public const int TagBytes = 16;
    public const int HeaderBytes = 4 + SaltBytes;
    private const int SaltBytes = 16;
    private const int NonceBytes = 12;
    private static readonly byte[] Magic = "OCM1"u8.ToArray();

    private readonly Dictionary<string, byte[]> _masters = new(StringComparer.Ordinal);

    public MediaCipher(IReadOnlyList<MessageLogKeySettings> keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        if (Problem(keys) is { } problem)
        {
            throw new ArgumentException(problem, nameof(keys));
        }

        foreach (var key in keys)
        {
            _masters.Add(key.Id, Convert.FromBase64String(key.Base64Key));
        }

        CurrentKeyId = keys[0].Id;
    }

    /// <summary>The key new items are sealed with.</summary>
    public string CurrentKeyId { get; }

    /// <summary>Null when the keys can seal media, else what is wrong with them.</summary>
    public static string? Problem(IReadOnlyList<MessageLogKeySettings> keys)
    {
        if (keys.Count == 0)
        {
            return "Media:EncryptAtRest needs MessageLog:Encryption:Keys (the message log's key ring)";
        }

        Span<byte> buffer = stackalloc byte[64];
        foreach (var key in keys)
        {
            if (string.IsNullOrWhiteSpace(key.Id) || !Convert.TryFromBase64String(key.Base64Key, buffer, out var length) || length != 32)
            {
                return $"MessageLog:Encryption key '{key.Id}' needs an Id and exactly 32 bytes of key in base64";
            }
        }

        return keys.Select(k => k.Id).Distinct(StringComparer.Ordinal).Count() == keys.Count ? null : "MessageLog:Encryption:Keys: key ids must be distinct";
    }

    /// <summary>How many chunks <paramref name="plainLength"/> bytes make: at least one, so even empty content has a tag.</summary>
    public static long ChunkCount(long plainLength) => Math.Max(1, (plainLength + ChunkSize - 1) / ChunkSize);

    public static long SealedLength(long plainLength) => HeaderBytes + (ChunkCount(plainLength) * TagBytes) + plainLength;

    public static long PlainLength(long sealedLength)
    {
        var body = sealedLength - HeaderBytes;
        var chunks = (body + ChunkSize + TagBytes - 1) / (ChunkSize + TagBytes);
        return body - (chunks * TagBytes);
    }

    /// <summary>A stream of the sealed form of <paramref name="plaintext"/>, produced a chunk at a time as it is read.</summary>
    public Stream Seal(Stream plaintext, string mediaId, MediaVariant variant, long plainLength)
    {
        var salt = RandomNumberGenerator.GetBytes(SaltBytes);
        byte[] header = [.. Magic, .. salt];
        return new SealingStream(plaintext, header, new ChunkSealer(Derive(_masters[CurrentKeyId], salt, mediaId, variant), plainLength));
    }

    /// <summary>
    /// A seekable plaintext view of a sealed variant (<paramref name="sealedStream"/> must seek). Reading a chunk that was
    /// altered throws <see cref="CryptographicException"/>; one that is missing, <see cref="IOException"/>.
    /// </summary>
    public async Task<Stream> OpenAsync(Stream sealedStream, string keyId, string mediaId, MediaVariant variant, long plainLength, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sealedStream);
        if (!_masters.TryGetValue(keyId, out var master))
        {
            throw new CryptographicException($"media {mediaId} is sealed with key '{keyId}', which is not in MessageLog:Encryption:Keys");
        }

        var header = new byte[HeaderBytes];
        sealedStream.Position = 0;
        await sealedStream.ReadExactlyAsync(header, cancellationToken);
        if (!header.AsSpan(0, Magic.Length).SequenceEqual(Magic))
        {
            throw new CryptographicException($"media {mediaId} is not sealed media");
        }

        var opener = new ChunkSealer(Derive(master, header[Magic.Length..], mediaId, variant), plainLength);
        return new ChunkedReadStream(plainLength, ChunkSize, (index, token) => opener.OpenAsync(sealedStream, index, token), owned: sealedStream);
    }

    private static byte[] Derive(byte[] master, byte[] salt, string mediaId, MediaVariant variant) =>
        HKDF.DeriveKey(HashAlgorithmName.SHA256, master, 32, salt, Encoding.UTF8.GetBytes($"orleanschat media v1\n{mediaId}\n{(int)variant}"));

    /// <summary>Seals and opens the chunks of one variant under its derived key.</summary>
    private sealed class ChunkSealer(byte[] key, long plainLength)
    {
        public long Chunks { get; } = ChunkCount(plainLength);

        public int PlainSizeOf(long index) => (int)Math.Min(ChunkSize, plainLength - (index * ChunkSize));

        public byte[] Seal(long index, ReadOnlySpan<byte> plaintext)
        {
            var sealedChunk = new byte[plaintext.Length + TagBytes];
            using var aes = new AesGcm(key, TagBytes);
            aes.Encrypt(Nonce(index), plaintext, sealedChunk.AsSpan(0, plaintext.Length), sealedChunk.AsSpan(plaintext.Length), AssociatedData(index));
            return sealedChunk;
        }

        public async Task<byte[]> OpenAsync(Stream sealedStream, int index, CancellationToken cancellationToken)
        {
            var plaintext = new byte[PlainSizeOf(index)];
            var sealedChunk = new byte[plaintext.Length + TagBytes];
            sealedStream.Position = HeaderBytes + ((long)index * (ChunkSize + TagBytes));
            await sealedStream.ReadExactlyAsync(sealedChunk, cancellationToken);
            using var aes = new AesGcm(key, TagBytes);
            aes.Decrypt(Nonce(index), sealedChunk.AsSpan(0, plaintext.Length), sealedChunk.AsSpan(plaintext.Length), plaintext, AssociatedData(index));
            return plaintext;
        }

        private static byte[] Nonce(long index)
        {
            var nonce = new byte[NonceBytes];
            BinaryPrimitives.WriteInt64BigEndian(nonce, index);
            return nonce;
        }

        private byte[] AssociatedData(long index) => Encoding.ASCII.GetBytes($"orleanschat-media-v1\n{index}\n{Chunks}");
    }

    /// <summary>Reads the plaintext a chunk at a time and hands out the header, then each sealed chunk.</summary>
    private sealed class SealingStream(Stream plaintext, byte[] header, ChunkSealer sealer) : Stream
    {
        private byte[] _pending = header;
        private int _pendingOffset;
        private long _nextChunk;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_pendingOffset == _pending.Length)
            {
                if (_nextChunk == sealer.Chunks)
                {
                    return 0;
                }

                _pending = await SealNextAsync(cancellationToken);
                _pendingOffset = 0;
            }

            var count = Math.Min(buffer.Length, _pending.Length - _pendingOffset);
            _pending.AsMemory(_pendingOffset, count).CopyTo(buffer);
            _pendingOffset += count;
            return count;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        // The stores copy asynchronously; kept correct for completeness.
        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        /// <summary>The chunk count is fixed by the declared length: content longer or shorter than declared is refused, not sealed.</summary>
        private async Task<byte[]> SealNextAsync(CancellationToken cancellationToken)
        {
            var chunk = new byte[sealer.PlainSizeOf(_nextChunk)];
            await plaintext.ReadExactlyAsync(chunk, cancellationToken);
            var sealedChunk = sealer.Seal(_nextChunk, chunk);
            if (++_nextChunk == sealer.Chunks && await plaintext.ReadAsync(new byte[1], cancellationToken) > 0)
            {
                throw new IOException("the content is longer than the length recorded for it");
            }

            return sealedChunk;
        }
    }
}
