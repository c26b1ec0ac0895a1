using System.Buffers.Binary;
using System.Text;

namespace OrleansChat.Grains.MessageLog.InMemory;

/// <summary>
/// Writes <see cref="StoredMessageCodec"/>'s primitives into a span sized beforehand with the matching
/// <c>SizeOf</c> functions: strings as UTF-8 behind a 7-bit length prefix (0 = null, n + 1 = n bytes).
/// </summary>
internal ref struct ByteSpanWriter(Span<byte> destination)
{
    private readonly Span<byte> _destination = destination;
    private int _position;

    public readonly int Position => _position;

    public static int SizeOf(string? value) => value is null ? 1 : SizeOfUtf8(Encoding.UTF8.GetByteCount(value));

    private static int SizeOfUtf8(int byteCount) => SizeOfLength((uint)byteCount + 1) + byteCount;

    public static int SizeOf(int? value) => value is null ? 1 : 1 + sizeof(int);

    public void WriteByte(byte value) => _destination[_position++] = value;

    public void WriteInt32(int value)
    {
        BinaryPrimitives.WriteInt32LittleEndian(_destination[_position..], value);
        _position += sizeof(int);
    }

    public void WriteInt64(long value)
    {
        BinaryPrimitives.WriteInt64LittleEndian(_destination[_position..], value);
        _position += sizeof(long);
    }

    public void WriteNullableInt32(int? value)
    {
        WriteByte(value is null ? (byte)0 : (byte)1);
        if (value is { } present)
        {
            WriteInt32(present);
        }
    }

    public void WriteString(string? value)
    {
        if (value is null)
        {
            WriteLength(0);
            return;
        }

        var length = Encoding.UTF8.GetByteCount(value);
        WriteLength((uint)length + 1);
        _position += Encoding.UTF8.GetBytes(value, _destination[_position..]);
    }

    private void WriteLength(uint value)
    {
        while (value >= 0x80)
        {
            WriteByte((byte)(value | 0x80));
            value >>= 7;
        }

        WriteByte((byte)value);
    }

    private static int SizeOfLength(uint value)
    {
        var size = 1;
        while (value >= 0x80)
        {
            value >>= 7;
            size++;
        }

        return size;
    }
}
