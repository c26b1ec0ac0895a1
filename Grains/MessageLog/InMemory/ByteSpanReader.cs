using System.Buffers.Binary;
using System.Text;

namespace OrleansChat.Grains.MessageLog.InMemory;

/// <summary>Reads what <see cref="ByteSpanWriter"/> wrote, in the same order.</summary>
internal ref struct ByteSpanReader(ReadOnlySpan<byte> source)
{
    private readonly ReadOnlySpan<byte> _source = source;
    private int _position;

    public readonly int Position => _position;

    public byte ReadByte() => _source[_position++];

    public int ReadInt32()
    {
        var value = BinaryPrimitives.ReadInt32LittleEndian(_source[_position..]);
        _position += sizeof(int);
        return value;
    }

    public long ReadInt64()
    {
        var value = BinaryPrimitives.ReadInt64LittleEndian(_source[_position..]);
        _position += sizeof(long);
        return value;
    }

    public int? ReadNullableInt32() => ReadByte() == 0 ? null : ReadInt32();

    public string ReadString() =>
        ReadNullableString() ?? throw new InvalidDataException("A stored message holds null where a string is required.");

    public string? ReadNullableString()
    {
        var length = ReadLength();
        if (length == 0)
        {
            return null;
        }

        var value = Encoding.UTF8.GetString(_source.Slice(_position, (int)length - 1));
        _position += (int)length - 1;
        return value;
    }

    public void SkipString()
    {
        var length = ReadLength(); // before reading _position: ReadLength moves it past the prefix
        _position += (int)Math.Max(length, 1) - 1;
    }

    private uint ReadLength()
    {
        uint value = 0;
        for (var shift = 0; ; shift += 7)
        {
            var next = ReadByte();
            value |= (uint)(next & 0x7F) << shift;
            if (next < 0x80)
            {
                return value;
            }
        }
    }
}
