using System.Buffers.Binary;

namespace VideoDiffusion.IO;

/// <summary>
/// A forward reader over untrusted bytes: every read checks the remaining length first and throws
/// <see cref="InvalidDataException"/> with the format name and byte offset instead of reading past the end.
/// </summary>
internal ref struct SpanReader
{
    private readonly ReadOnlySpan<byte> _data;
    private readonly string _format;
    private readonly long _baseOffset;

    /// <summary>Reads <paramref name="data"/>; offsets in messages are reported relative to <paramref name="baseOffset"/>.</summary>
    public SpanReader(ReadOnlySpan<byte> data, string format, long baseOffset = 0)
    {
        _data = data;
        _format = format;
        _baseOffset = baseOffset;
        Position = 0;
    }

    /// <summary>Index of the next byte to read.</summary>
    public int Position { get; private set; }

    /// <summary>Bytes left after <see cref="Position"/>.</summary>
    public readonly int Remaining => _data.Length - Position;

    /// <summary>Absolute offset of <see cref="Position"/> as reported in errors.</summary>
    public readonly long Offset => _baseOffset + Position;

    /// <summary>Throws unless at least <paramref name="count"/> bytes remain.</summary>
    public readonly void Require(long count, string what)
    {
        if (count < 0 || count > Remaining)
        {
            throw Corrupt.Truncated(_format, Offset, count, what);
        }
    }

    /// <summary>Reads one byte.</summary>
    public byte ReadByte(string what)
    {
        Require(1, what);
        return _data[Position++];
    }

    /// <summary>Reads a little-endian 16-bit unsigned integer.</summary>
    public ushort ReadUInt16LE(string what) => BinaryPrimitives.ReadUInt16LittleEndian(ReadBytes(2, what));

    /// <summary>Reads a little-endian 32-bit unsigned integer.</summary>
    public uint ReadUInt32LE(string what) => BinaryPrimitives.ReadUInt32LittleEndian(ReadBytes(4, what));

    /// <summary>Reads a big-endian 32-bit unsigned integer.</summary>
    public uint ReadUInt32BE(string what) => BinaryPrimitives.ReadUInt32BigEndian(ReadBytes(4, what));

    /// <summary>Reads a little-endian 64-bit unsigned integer.</summary>
    public ulong ReadUInt64LE(string what) => BinaryPrimitives.ReadUInt64LittleEndian(ReadBytes(8, what));

    /// <summary>Returns the next <paramref name="count"/> bytes and advances past them.</summary>
    public ReadOnlySpan<byte> ReadBytes(long count, string what)
    {
        Require(count, what);
        var span = _data.Slice(Position, (int)count);
        Position += (int)count;
        return span;
    }

    /// <summary>Advances past <paramref name="count"/> bytes.</summary>
    public void Skip(long count, string what) => ReadBytes(count, what);

    /// <summary>Throws an <see cref="InvalidDataException"/> at <paramref name="offset"/> (default: the current offset).</summary>
    public readonly InvalidDataException Error(string message, long? offset = null) =>
        Corrupt.At(_format, offset ?? Offset, message);
}
