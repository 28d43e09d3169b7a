namespace VideoDiffusion.IO;

/// <summary>
/// GIF's LZW decompressor (GIF89a specification, appendix F) for untrusted data: every code is checked against the
/// table, the table stops growing at 4096 entries (a "deferred clear" is honoured), and decoded pixels are handed to a
/// sink as they appear, so nothing is allocated from the image size a header claims.
/// </summary>
internal sealed class LzwDecoder
{
    private const int MaxCodes = 4096;

    private readonly short[] _prefix = new short[MaxCodes];
    private readonly byte[] _suffix = new byte[MaxCodes];
    private readonly byte[] _first = new byte[MaxCodes];
    private readonly short[] _length = new short[MaxCodes];
    private readonly byte[] _string = new byte[MaxCodes];

    /// <summary>Receives decoded palette indices in raster (or interlace) order.</summary>
    public interface ISink
    {
        /// <summary>Pixels still expected.</summary>
        long Remaining { get; }

        /// <summary>Takes the next decoded indices (never more than <see cref="Remaining"/>).</summary>
        void Write(ReadOnlySpan<byte> indices);
    }

    /// <summary>
    /// Decodes <paramref name="data"/> (the concatenated sub-block payloads) and feeds the sink until it is full.
    /// Decoded pixels beyond what the sink expects are ignored, as common decoders do.
    /// </summary>
    /// <exception cref="InvalidDataException">An invalid code, or the data ends before the sink is full.</exception>
    public void Decode(ReadOnlySpan<byte> data, int minCodeSize, ISink sink, string format, long offset)
    {
        var clear = 1 << minCodeSize;
        var end = clear + 1;
        for (var i = 0; i < clear; i++)
        {
            _prefix[i] = -1;
            _suffix[i] = (byte)i;
            _first[i] = (byte)i;
            _length[i] = 1;
        }
        var codeSize = minCodeSize + 1;
        var available = clear + 2;
        var old = -1;
        long bit = 0;
        var totalBits = (long)data.Length * 8;

        while (sink.Remaining > 0)
        {
            if (bit + codeSize > totalBits)
            {
                throw Corrupt.At(format, offset, $"the image data ends with {sink.Remaining} pixel(s) still missing");
            }
            var code = ReadCode(data, bit, codeSize);
            bit += codeSize;
            if (code == clear)
            {
                codeSize = minCodeSize + 1;
                available = clear + 2;
                old = -1;
                continue;
            }
            if (code == end)
            {
                throw Corrupt.At(format, offset, $"the end code arrives with {sink.Remaining} pixel(s) still missing");
            }
            if (code > available || (code == available && old < 0))
            {
                throw Corrupt.At(format, offset, $"invalid LZW code {code} (table holds {available} codes) at bit {bit - codeSize} of the image data");
            }
            if (old >= 0 && available < MaxCodes)
            {
                _prefix[available] = (short)old;
                _first[available] = _first[old];
                _suffix[available] = code == available ? _first[old] : _first[code];
                _length[available] = (short)(_length[old] + 1);
                available++;
                if (available == (1 << codeSize) && codeSize < 12)
                {
                    codeSize++;
                }
            }
            var length = _length[code];
            var c = code;
            for (var k = length - 1; k >= 0; k--)
            {
                _string[k] = _suffix[c];
                c = _prefix[c];
            }
            sink.Write(_string.AsSpan(0, (int)Math.Min(length, sink.Remaining)));
            old = code;
        }
    }

    private static int ReadCode(ReadOnlySpan<byte> data, long bit, int size)
    {
        var index = (int)(bit >> 3);
        var value = data[index];
        var next = index + 1 < data.Length ? data[index + 1] : 0;
        var third = index + 2 < data.Length ? data[index + 2] : 0;
        var word = value | (next << 8) | (third << 16);
        return (word >> (int)(bit & 7)) & ((1 << size) - 1);
    }
}
