using System.Buffers.Binary;

namespace VideoDiffusion.IO;

/// <summary>
/// GIF89a writer (GIF89a specification, 1990): logical screen, optional global colour table, NETSCAPE2.0 looping
/// extension, and per frame a graphic control extension (delay, disposal "do not dispose"), a full-screen image
/// descriptor, an optional local colour table and LZW data (<see cref="LzwEncoder"/>). Clips with at most
/// <see cref="GifWriteOptions.MaxColors"/> colours (per table) are stored exactly; others are quantized with
/// <see cref="MedianCutQuantizer"/> and mapped by <see cref="PaletteMapper"/>.
/// </summary>
internal static class GifEncoder
{
    /// <summary>Writes <paramref name="frames"/> (grey, RGB or RGBA; alpha is ignored) as an animated GIF.</summary>
    public static void Encode(Stream output, VideoFrames frames, GifWriteOptions options)
    {
        options.Validate();
        if (frames.Width > ushort.MaxValue || frames.Height > ushort.MaxValue)
        {
            throw new ArgumentException(
                $"GIF frames are at most 65535 x 65535 pixels, got {frames.Width} x {frames.Height}.", nameof(frames));
        }
        var rgb = frames.ToRgb();
        var pixelsPerFrame = rgb.Width * rgb.Height;

        var mode = options.Palette;
        byte[]? global = null;
        if (mode != GifPaletteMode.PerFrame)
        {
            global = ExactPalette(rgb.Data, options.MaxColors);
            if (global is null && mode == GifPaletteMode.Global)
            {
                var quantizer = new MedianCutQuantizer();
                quantizer.Add(rgb.Data);
                global = quantizer.BuildPalette(options.MaxColors);
            }
        }

        output.Write("GIF89a"u8);
        Span<byte> screen = stackalloc byte[7];
        BinaryPrimitives.WriteUInt16LittleEndian(screen, (ushort)rgb.Width);
        BinaryPrimitives.WriteUInt16LittleEndian(screen[2..], (ushort)rgb.Height);
        var globalBits = global is null ? 0 : TableBits(global.Length / 3);
        screen[4] = global is null ? (byte)0x70 : (byte)(0x80 | 0x70 | (globalBits - 1));
        screen[5] = 0;
        screen[6] = 0;
        output.Write(screen);
        if (global is not null)
        {
            WriteTable(output, global, globalBits);
        }
        if (options.LoopCount is { } loops)
        {
            output.Write([0x21, 0xFF, 0x0B]);
            output.Write("NETSCAPE2.0"u8);
            output.Write([0x03, 0x01, (byte)(loops & 0xFF), (byte)(loops >> 8), 0x00]);
        }

        var lzw = new LzwEncoder();
        var indices = new byte[pixelsPerFrame];
        var globalMapper = global is null ? null : new PaletteMapper(global);
        var dither = options.Dithering == GifDithering.FloydSteinberg;
        Span<byte> descriptor = stackalloc byte[10];
        for (var t = 0; t < rgb.Frames; t++)
        {
            ReadOnlySpan<byte> frame = rgb.Frame(t);
            var mapper = globalMapper;
            byte[]? local = null;
            if (mapper is null)
            {
                local = ExactPalette(frame, options.MaxColors);
                if (local is null)
                {
                    var quantizer = new MedianCutQuantizer();
                    quantizer.Add(frame);
                    local = quantizer.BuildPalette(options.MaxColors);
                }
                mapper = new PaletteMapper(local);
            }
            mapper.Map(frame, indices, rgb.Width, rgb.Height, dither);

            Span<byte> control = [0x21, 0xF9, 0x04, 0x04, 0, 0, 0, 0x00];
            BinaryPrimitives.WriteUInt16LittleEndian(control[4..], (ushort)options.DelayCentiseconds);
            output.Write(control);

            descriptor[0] = 0x2C;
            BinaryPrimitives.WriteUInt16LittleEndian(descriptor[1..], 0);
            BinaryPrimitives.WriteUInt16LittleEndian(descriptor[3..], 0);
            BinaryPrimitives.WriteUInt16LittleEndian(descriptor[5..], (ushort)rgb.Width);
            BinaryPrimitives.WriteUInt16LittleEndian(descriptor[7..], (ushort)rgb.Height);
            var localBits = local is null ? 0 : TableBits(local.Length / 3);
            descriptor[9] = local is null ? (byte)0 : (byte)(0x80 | (localBits - 1));
            output.Write(descriptor);
            if (local is not null)
            {
                WriteTable(output, local, localBits);
            }
            var tableBits = local is null ? globalBits : localBits;
            lzw.Encode(output, indices, Math.Max(2, tableBits));
        }
        output.WriteByte(0x3B);
    }

    /// <summary>The distinct colours of <paramref name="rgb"/> as a palette, or null when there are more than <paramref name="maxColors"/>.</summary>
    private static byte[]? ExactPalette(ReadOnlySpan<byte> rgb, int maxColors)
    {
        var seen = new HashSet<int>();
        var palette = new List<byte>();
        for (var i = 0; i + 2 < rgb.Length; i += 3)
        {
            var key = (rgb[i] << 16) | (rgb[i + 1] << 8) | rgb[i + 2];
            if (seen.Add(key))
            {
                if (seen.Count > maxColors)
                {
                    return null;
                }
                palette.Add(rgb[i]);
                palette.Add(rgb[i + 1]);
                palette.Add(rgb[i + 2]);
            }
        }
        return palette.ToArray();
    }

    /// <summary>Bits of a colour table holding <paramref name="entries"/> colours: 1 … 8 (2 … 256 entries).</summary>
    private static int TableBits(int entries)
    {
        var bits = 1;
        while ((1 << bits) < entries)
        {
            bits++;
        }
        return bits;
    }

    private static void WriteTable(Stream output, byte[] palette, int bits)
    {
        output.Write(palette);
        var padding = 3 * (1 << bits) - palette.Length;
        for (var i = 0; i < padding; i++)
        {
            output.WriteByte(0);
        }
    }
}
