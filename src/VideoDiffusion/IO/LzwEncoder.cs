namespace VideoDiffusion.IO;

/// <summary>
/// The variable-length-code LZW compressor of GIF89a (specification, section 22 and appendix F): codes are written
/// least-significant bit first, start at <c>minCodeSize + 1</c> bits, grow to at most 12 bits, and a clear code resets
/// the table when all 4096 codes are used. Output is packed into data sub-blocks of at most 255 bytes.
/// </summary>
/// <remarks>
/// Code-size timing follows the decoder, which adds its table entry one code later than the encoder: the encoder
/// widens its codes after it has assigned code <c>2^size</c> (not <c>2^size - 1</c>), and once more before the end code
/// if the table stopped exactly at <c>2^size</c>. The dictionary is an open-addressing hash of (prefix code, byte).
/// </remarks>
internal sealed class LzwEncoder
{
    private const int MaxCodes = 4096;
    private const int HashSize = 8192;

    private readonly int[] _keys = new int[HashSize];
    private readonly short[] _values = new short[HashSize];

    private Stream _output = Stream.Null;
    private readonly byte[] _block = new byte[256];
    private int _blockLength;
    private int _bitBuffer;
    private int _bitCount;

    /// <summary>Writes the LZW minimum code size byte, the compressed <paramref name="indices"/> in sub-blocks and the block terminator.</summary>
    /// <param name="output">Destination stream.</param>
    /// <param name="indices">Palette indices, each below <c>2^minCodeSize</c>; at least one.</param>
    /// <param name="minCodeSize">GIF's LZW minimum code size, 2 … 8.</param>
    public void Encode(Stream output, ReadOnlySpan<byte> indices, int minCodeSize)
    {
        if (minCodeSize is < 2 or > 8)
        {
            throw new ArgumentOutOfRangeException(nameof(minCodeSize), minCodeSize, "GIF's LZW minimum code size is 2 … 8.");
        }
        if (indices.IsEmpty)
        {
            throw new ArgumentException("Expected at least one pixel.", nameof(indices));
        }
        _output = output;
        _blockLength = 0;
        _bitBuffer = 0;
        _bitCount = 0;
        output.WriteByte((byte)minCodeSize);

        var clear = 1 << minCodeSize;
        var end = clear + 1;
        var codeSize = minCodeSize + 1;
        var next = clear + 2;
        ResetTable();
        WriteCode(clear, codeSize);

        int prefix = indices[0];
        for (var i = 1; i < indices.Length; i++)
        {
            int symbol = indices[i];
            var key = (prefix << 8) | symbol;
            var slot = Find(key);
            if (_keys[slot] == key)
            {
                prefix = _values[slot];
                continue;
            }
            WriteCode(prefix, codeSize);
            _keys[slot] = key;
            _values[slot] = (short)next;
            next++;
            if (next > (1 << codeSize) && codeSize < 12)
            {
                codeSize++;
            }
            if (next == MaxCodes)
            {
                WriteCode(clear, codeSize);
                ResetTable();
                codeSize = minCodeSize + 1;
                next = clear + 2;
            }
            prefix = symbol;
        }
        WriteCode(prefix, codeSize);
        if (next == (1 << codeSize) && codeSize < 12)
        {
            codeSize++;
        }
        WriteCode(end, codeSize);
        if (_bitCount > 0)
        {
            PutByte((byte)_bitBuffer);
        }
        FlushBlock();
        output.WriteByte(0);
    }

    private void ResetTable() => Array.Fill(_keys, -1);

    private int Find(int key)
    {
        var slot = (int)((uint)(key * -1640531535) >> 19);
        while (_keys[slot] != -1 && _keys[slot] != key)
        {
            slot = (slot + 1) & (HashSize - 1);
        }
        return slot;
    }

    private void WriteCode(int code, int size)
    {
        _bitBuffer |= code << _bitCount;
        _bitCount += size;
        while (_bitCount >= 8)
        {
            PutByte((byte)_bitBuffer);
            _bitBuffer >>= 8;
            _bitCount -= 8;
        }
    }

    private void PutByte(byte value)
    {
        _block[1 + _blockLength++] = value;
        if (_blockLength == 255)
        {
            FlushBlock();
        }
    }

    private void FlushBlock()
    {
        if (_blockLength == 0)
        {
            return;
        }
        _block[0] = (byte)_blockLength;
        _output.Write(_block, 0, _blockLength + 1);
        _blockLength = 0;
    }
}
