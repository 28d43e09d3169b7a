using System.Buffers.Binary;
using System.IO.Compression;

namespace VideoDiffusion.IO;

/// <summary>
/// PNG reader (W3C PNG specification, 2nd edition) for untrusted bytes: all colour types and bit depths (grey 1/2/4/8/16,
/// RGB 8/16, palette 1/2/4/8, grey+alpha 8/16, RGBA 8/16), Adam7 interlacing and tRNS transparency; every chunk's CRC
/// is checked. Samples of 16 bits are rounded to 8 as libpng's <c>png_set_scale_16</c> does, <c>(v * 255 + 32895) >> 16</c>
/// = <c>round(v / 257)</c> (ImageMagick 6 floors colour and ceils alpha, ffmpeg's swscale differs too; both stay within 1),
/// lower depths are scaled to 0 … 255.
/// Ancillary chunks other than tRNS (gamma, colour profiles, text) are skipped: pixels are returned as stored.
/// </summary>
internal static class PngDecoder
{
    private const string Format = "PNG";

    /// <summary>Most bytes one byte of deflate data can expand to (RFC 1951: 258-byte matches in as little as 2 bits).</summary>
    private const long MaxInflateRatio = 1032;

    private static readonly (int X0, int Y0, int Dx, int Dy)[] Adam7 =
    [
        (0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2),
    ];

    private sealed class Header
    {
        public int Width;
        public int Height;
        public int BitDepth;
        public int ColorType;
        public bool Interlaced;
        public byte[]? Palette;
        public byte[]? Transparency;
        public long IdatOffset = -1;

        public int SamplesPerPixel => ColorType switch { 0 => 1, 2 => 3, 3 => 1, 4 => 2, _ => 4 };

        public int BitsPerPixel => SamplesPerPixel * BitDepth;

        public long RowBytes(int width) => ((long)width * BitsPerPixel + 7) / 8;
    }

    /// <summary>Decodes one PNG image to frames <c>[1, H, W, 3 or 4]</c>.</summary>
    public static VideoFrames Decode(ReadOnlySpan<byte> data, PngReadOptions options)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxPixels, 1L, nameof(options.MaxPixels));
        var header = new Header();
        var idat = ReadChunks(data, header);
        var outChannels = options.KeepAlpha ? 4 : 3;
        var passes = header.Interlaced ? Adam7 : [(0, 0, 1, 1)];
        // Width and height reach 2^31 - 1 and a 16-bit RGBA row 2^34 bytes, so the raw size needs 128 bits.
        Int128 rawSize = 0;
        foreach (var (x0, y0, dx, dy) in passes)
        {
            var (w, h) = PassSize(header, x0, y0, dx, dy);
            if (w > 0 && h > 0)
            {
                rawSize += (Int128)h * (1 + header.RowBytes(w));
            }
        }
        if (rawSize > idat.Length * MaxInflateRatio + 64 || rawSize > Array.MaxLength)
        {
            throw Corrupt.At(Format, header.IdatOffset,
                $"the header claims {rawSize} bytes of image data ({header.Width} x {header.Height}) but {idat.Length} compressed bytes cannot hold more than {idat.Length * MaxInflateRatio}");
        }
        var pixels = (long)header.Width * header.Height;
        if (pixels > options.MaxPixels || pixels > Array.MaxLength / outChannels)
        {
            throw Corrupt.At(Format, 16, $"the image is {header.Width} x {header.Height}, more than PngReadOptions.MaxPixels ({options.MaxPixels}) or one array allows");
        }

        var raw = Inflate(idat, (int)rawSize, header.IdatOffset);
        var result = new VideoFrames(1, header.Height, header.Width, outChannels);
        var position = 0;
        foreach (var (x0, y0, dx, dy) in passes)
        {
            var (w, h) = PassSize(header, x0, y0, dx, dy);
            if (w == 0 || h == 0)
            {
                continue;
            }
            var rowBytes = (int)header.RowBytes(w);
            var bpp = Math.Max(1, header.BitsPerPixel / 8);
            var previous = new byte[rowBytes];
            for (var j = 0; j < h; j++)
            {
                var filter = raw[position];
                var row = raw.AsSpan(position + 1, rowBytes);
                if (!PngFilters.Unfilter(filter, row, previous, bpp))
                {
                    throw Corrupt.At(Format, header.IdatOffset,
                        $"unknown row filter type {filter} at byte {position} of the decompressed image data");
                }
                WriteRow(header, row, result.Data, outChannels, (int)(y0 + (long)j * dy), x0, dx, w);
                row.CopyTo(previous);
                position += 1 + rowBytes;
            }
        }
        return result;
    }

    private static (int W, int H) PassSize(Header header, int x0, int y0, int dx, int dy) =>
        (header.Width <= x0 ? 0 : (header.Width - x0 + dx - 1) / dx, header.Height <= y0 ? 0 : (header.Height - y0 + dy - 1) / dy);

    private static byte[] ReadChunks(ReadOnlySpan<byte> data, Header header)
    {
        var reader = new SpanReader(data, Format);
        var signature = reader.ReadBytes(8, "signature");
        if (!signature.SequenceEqual(PngEncoder.Signature))
        {
            throw reader.Error("not a PNG file: the 8-byte signature is wrong", 0);
        }

        using var idat = new MemoryStream();
        var sawHeader = false;
        var idatState = 0; // 0 = none yet, 1 = inside the IDAT run, 2 = after it
        while (true)
        {
            var chunkOffset = reader.Offset;
            var length = reader.ReadUInt32BE("chunk length");
            if (length > int.MaxValue)
            {
                throw reader.Error($"chunk length {length} exceeds 2^31 - 1", chunkOffset);
            }
            var typeAndData = reader.ReadBytes(4 + (long)length, "chunk type and data");
            var type = typeAndData[..4];
            var body = typeAndData[4..];
            var crc = reader.ReadUInt32BE("chunk CRC");
            foreach (var c in type)
            {
                if (!char.IsAsciiLetter((char)c))
                {
                    throw reader.Error("chunk type is not four ASCII letters", chunkOffset + 4);
                }
            }
            var name = System.Text.Encoding.ASCII.GetString(type);
            if (Crc32.Compute(typeAndData) != crc)
            {
                throw reader.Error($"CRC mismatch in chunk {name}", chunkOffset);
            }
            if (!sawHeader && name != "IHDR")
            {
                throw reader.Error($"the first chunk is {name}, expected IHDR", chunkOffset);
            }
            if (idatState == 1 && name != "IDAT")
            {
                idatState = 2;
            }

            switch (name)
            {
                case "IHDR":
                    if (sawHeader)
                    {
                        throw reader.Error("a second IHDR chunk", chunkOffset);
                    }
                    ParseHeader(body, header, chunkOffset + 8);
                    sawHeader = true;
                    break;
                case "PLTE":
                    if (idatState != 0 || header.Palette is not null)
                    {
                        throw reader.Error("PLTE must come once, before the image data", chunkOffset);
                    }
                    if (body.Length == 0 || body.Length % 3 != 0 || body.Length / 3 > 256)
                    {
                        throw reader.Error($"PLTE length {body.Length} is not 3 x (1 … 256)", chunkOffset);
                    }
                    header.Palette = body.ToArray();
                    break;
                case "tRNS":
                    if (idatState != 0)
                    {
                        throw reader.Error("tRNS must come before the image data", chunkOffset);
                    }
                    header.Transparency = ParseTransparency(body, header, chunkOffset);
                    break;
                case "IDAT":
                    if (idatState == 2)
                    {
                        throw reader.Error("IDAT chunks are not consecutive", chunkOffset);
                    }
                    if (idatState == 0)
                    {
                        header.IdatOffset = chunkOffset;
                    }
                    idatState = 1;
                    idat.Write(body);
                    break;
                case "IEND":
                    if (idatState == 0)
                    {
                        throw reader.Error("no IDAT chunk before IEND", chunkOffset);
                    }
                    if (header.ColorType == 3 && header.Palette is null)
                    {
                        throw reader.Error("a palette image without a PLTE chunk", chunkOffset);
                    }
                    return idat.ToArray();
                default:
                    if ((type[0] & 0x20) == 0)
                    {
                        throw reader.Error($"unknown critical chunk {name}", chunkOffset);
                    }
                    break;
            }
        }
    }

    private static void ParseHeader(ReadOnlySpan<byte> body, Header header, long offset)
    {
        if (body.Length != 13)
        {
            throw Corrupt.At(Format, offset, $"IHDR is {body.Length} bytes, expected 13");
        }
        var width = BinaryPrimitives.ReadUInt32BigEndian(body);
        var height = BinaryPrimitives.ReadUInt32BigEndian(body[4..]);
        if (width is 0 or > int.MaxValue || height is 0 or > int.MaxValue)
        {
            throw Corrupt.At(Format, offset, $"image size {width} x {height} is outside 1 … 2^31 - 1");
        }
        header.Width = (int)width;
        header.Height = (int)height;
        header.BitDepth = body[8];
        header.ColorType = body[9];
        var valid = header.ColorType switch
        {
            0 => header.BitDepth is 1 or 2 or 4 or 8 or 16,
            3 => header.BitDepth is 1 or 2 or 4 or 8,
            2 or 4 or 6 => header.BitDepth is 8 or 16,
            _ => false,
        };
        if (!valid)
        {
            throw Corrupt.At(Format, offset + 8, $"colour type {header.ColorType} with bit depth {header.BitDepth} is not a PNG combination");
        }
        if (body[10] != 0 || body[11] != 0 || body[12] > 1)
        {
            throw Corrupt.At(Format, offset + 10, $"unknown compression {body[10]}, filter {body[11]} or interlace {body[12]} method");
        }
        header.Interlaced = body[12] == 1;
    }

    private static byte[] ParseTransparency(ReadOnlySpan<byte> body, Header header, long offset)
    {
        var expected = header.ColorType switch
        {
            0 => 2,
            2 => 6,
            3 => -1,
            _ => 0,
        };
        if (expected == 0 || (expected > 0 && body.Length != expected) || (expected < 0 && body.Length > 256))
        {
            throw Corrupt.At(Format, offset, $"tRNS of {body.Length} bytes does not fit colour type {header.ColorType}");
        }
        return body.ToArray();
    }

    private static byte[] Inflate(byte[] compressed, int size, long offset)
    {
        var raw = new byte[size];
        try
        {
            using var zlib = new ZLibStream(new MemoryStream(compressed, writable: false), CompressionMode.Decompress);
            var filled = 0;
            while (filled < size)
            {
                var n = zlib.Read(raw, filled, size - filled);
                if (n == 0)
                {
                    throw Corrupt.At(Format, offset, $"the compressed image data ends after {filled} of {size} bytes");
                }
                filled += n;
            }
        }
        catch (InvalidDataException e) when (!e.Message.StartsWith(Format + ":", StringComparison.Ordinal))
        {
            throw Corrupt.At(Format, offset, "the compressed image data (IDAT) is corrupt: " + e.Message, e);
        }
        return raw;
    }

    private static void WriteRow(Header header, ReadOnlySpan<byte> row, byte[] output, int channels, int y, int x0, int dx, int count)
    {
        var depth = header.BitDepth;
        var trns = header.Transparency;
        var palette = header.Palette;
        var samples = header.SamplesPerPixel;
        var rowStart = (long)y * header.Width;
        for (var i = 0; i < count; i++)
        {
            byte r, g, b, a = 255;
            switch (header.ColorType)
            {
                case 0:
                {
                    var v = Sample(row, i, 0, 1, depth);
                    r = g = b = To8(v, depth);
                    if (trns is not null && v == BinaryPrimitives.ReadUInt16BigEndian(trns))
                    {
                        a = 0;
                    }
                    break;
                }
                case 2:
                {
                    int vr = Sample(row, i, 0, 3, depth), vg = Sample(row, i, 1, 3, depth), vb = Sample(row, i, 2, 3, depth);
                    r = To8(vr, depth);
                    g = To8(vg, depth);
                    b = To8(vb, depth);
                    if (trns is not null && vr == BinaryPrimitives.ReadUInt16BigEndian(trns)
                        && vg == BinaryPrimitives.ReadUInt16BigEndian(trns.AsSpan(2))
                        && vb == BinaryPrimitives.ReadUInt16BigEndian(trns.AsSpan(4)))
                    {
                        a = 0;
                    }
                    break;
                }
                case 3:
                {
                    var index = Sample(row, i, 0, 1, depth);
                    if (3 * index + 2 >= palette!.Length)
                    {
                        throw Corrupt.At(Format, header.IdatOffset, $"palette index {index} at pixel ({x0 + i * dx}, {y}) is beyond the {palette.Length / 3}-entry palette");
                    }
                    r = palette[3 * index];
                    g = palette[3 * index + 1];
                    b = palette[3 * index + 2];
                    if (trns is not null && index < trns.Length)
                    {
                        a = trns[index];
                    }
                    break;
                }
                default:
                {
                    var gray = header.ColorType == 4;
                    r = To8(Sample(row, i, 0, samples, depth), depth);
                    g = gray ? r : To8(Sample(row, i, 1, samples, depth), depth);
                    b = gray ? r : To8(Sample(row, i, 2, samples, depth), depth);
                    a = To8(Sample(row, i, samples - 1, samples, depth), depth);
                    break;
                }
            }
            var o = (rowStart + x0 + (long)i * dx) * channels;
            output[o] = r;
            output[o + 1] = g;
            output[o + 2] = b;
            if (channels == 4)
            {
                output[o + 3] = a;
            }
        }
    }

    private static int Sample(ReadOnlySpan<byte> row, int pixel, int channel, int samples, int depth)
    {
        switch (depth)
        {
            case 8:
                return row[pixel * samples + channel];
            case 16:
                return BinaryPrimitives.ReadUInt16BigEndian(row[(2 * (pixel * samples + channel))..]);
            default:
            {
                // Sub-byte depths only occur with one sample per pixel, packed from the most significant bit.
                var bit = pixel * depth;
                var shift = 8 - depth - (bit & 7);
                return (row[bit >> 3] >> shift) & ((1 << depth) - 1);
            }
        }
    }

    private static byte To8(int value, int depth) => depth switch
    {
        8 => (byte)value,
        16 => (byte)((value * 255 + 32895) >> 16),
        _ => (byte)(value * 255 / ((1 << depth) - 1)),
    };
}
