using System.Buffers.Binary;
using System.IO.Compression;

namespace VideoDiffusion.IO;

/// <summary>
/// PNG writer (W3C PNG specification, 2nd edition): 8-bit grey, RGB or RGBA, no interlace; each row gets the filter
/// (None, Sub, Up, Average, Paeth) with the smallest sum of absolute signed bytes (the heuristic of section 12.8), and
/// the filtered rows are deflated with <see cref="ZLibStream"/> into IDAT chunks.
/// </summary>
internal static class PngEncoder
{
    /// <summary>The 8-byte PNG signature.</summary>
    public static ReadOnlySpan<byte> Signature => [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    private const int MaxIdatChunk = 1 << 20;

    /// <summary>Writes one image <c>[H, W, C]</c> (C in {1, 3, 4}) as a PNG file to <paramref name="output"/>.</summary>
    public static void Encode(Stream output, ReadOnlySpan<byte> pixels, int width, int height, int channels, CompressionLevel level)
    {
        var colorType = channels switch
        {
            1 => (byte)0,
            3 => (byte)2,
            4 => (byte)6,
            _ => throw new ArgumentOutOfRangeException(nameof(channels), channels, "Expected 1, 3 or 4 channels."),
        };
        output.Write(Signature);

        Span<byte> ihdr = stackalloc byte[13];
        BinaryPrimitives.WriteUInt32BigEndian(ihdr, (uint)width);
        BinaryPrimitives.WriteUInt32BigEndian(ihdr[4..], (uint)height);
        ihdr[8] = 8;
        ihdr[9] = colorType;
        ihdr[10] = 0;
        ihdr[11] = 0;
        ihdr[12] = 0;
        WriteChunk(output, "IHDR"u8, ihdr);

        using var compressed = new MemoryStream();
        using (var zlib = new ZLibStream(compressed, level, leaveOpen: true))
        {
            var stride = width * channels;
            var filtered = new byte[stride + 1];
            var candidate = new byte[stride];
            var previous = new byte[stride];
            for (var y = 0; y < height; y++)
            {
                var row = pixels.Slice(y * stride, stride);
                ChooseFilter(row, previous, channels, filtered, candidate);
                zlib.Write(filtered);
                row.CopyTo(previous);
            }
        }

        var body = compressed.GetBuffer().AsSpan(0, (int)compressed.Length);
        var start = 0;
        do
        {
            var count = Math.Min(MaxIdatChunk, body.Length - start);
            WriteChunk(output, "IDAT"u8, body.Slice(start, count));
            start += count;
        }
        while (start < body.Length);
        WriteChunk(output, "IEND"u8, []);
    }

    /// <summary>Writes one chunk: length, type, data and the CRC of type and data.</summary>
    public static void WriteChunk(Stream output, ReadOnlySpan<byte> type, ReadOnlySpan<byte> data)
    {
        Span<byte> header = stackalloc byte[8];
        BinaryPrimitives.WriteUInt32BigEndian(header, (uint)data.Length);
        type.CopyTo(header[4..]);
        output.Write(header);
        output.Write(data);
        var crc = Crc32.Finish(Crc32.Update(Crc32.Update(Crc32.Start, type), data));
        Span<byte> tail = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(tail, crc);
        output.Write(tail);
    }

    private static void ChooseFilter(ReadOnlySpan<byte> row, ReadOnlySpan<byte> previous, int bpp, Span<byte> best, Span<byte> candidate)
    {
        var bestScore = long.MaxValue;
        for (byte filter = 0; filter <= 4; filter++)
        {
            long score = 0;
            for (var i = 0; i < row.Length; i++)
            {
                var a = i >= bpp ? row[i - bpp] : 0;
                var b = previous[i];
                var c = i >= bpp ? previous[i - bpp] : 0;
                var predictor = filter switch
                {
                    0 => 0,
                    1 => a,
                    2 => b,
                    3 => (a + b) >> 1,
                    _ => PngFilters.Paeth(a, b, c),
                };
                var value = (byte)(row[i] - predictor);
                candidate[i] = value;
                int signed = (sbyte)value;
                score += signed < 0 ? -signed : signed;
            }
            if (score < bestScore)
            {
                bestScore = score;
                best[0] = filter;
                candidate.CopyTo(best[1..]);
            }
        }
    }
}
