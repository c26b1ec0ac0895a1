using System.Buffers;
using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text;

namespace OrleansChat.Grains.MessageLog;

/// <summary>
/// A send's idempotency key, (sender id, client id), as a 128-bit hash: the in-memory log and the sequencer's
/// resend window keep one per message, and a string per message would be GC work for as long as it is kept.
/// </summary>
internal static class IdempotencyKey
{
    private const int StackBufferSize = 512;

    public static UInt128 Of(string senderId, string clientId)
    {
        var maxLength = sizeof(int) + Encoding.UTF8.GetMaxByteCount(senderId.Length + clientId.Length);
        byte[]? rented = null;
        var buffer = maxLength <= StackBufferSize ? stackalloc byte[StackBufferSize] : (rented = ArrayPool<byte>.Shared.Rent(maxLength));
        try
        {
            // The sender id's length leads, so no two pairs hash the same bytes (("a\nb", "c") against ("a", "b\nc")).
            var senderLength = Encoding.UTF8.GetBytes(senderId, buffer[sizeof(int)..]);
            BinaryPrimitives.WriteInt32LittleEndian(buffer, senderLength);
            var clientLength = Encoding.UTF8.GetBytes(clientId, buffer[(sizeof(int) + senderLength)..]);
            return XxHash128.HashToUInt128(buffer[..(sizeof(int) + senderLength + clientLength)]);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }
}
