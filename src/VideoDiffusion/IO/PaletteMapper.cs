namespace VideoDiffusion.IO;

/// <summary>
/// Maps RGB pixels to the indices of a palette: exact colours through a lookup, others to the nearest entry in
/// squared RGB distance (memoized per colour), optionally with Floyd–Steinberg error diffusion (Floyd and Steinberg,
/// "An adaptive algorithm for spatial greyscale", 1976; weights 7/16, 3/16, 5/16, 1/16, serpentine-free raster order).
/// </summary>
internal sealed class PaletteMapper
{
    private readonly byte[] _palette;
    private readonly int _entries;
    private readonly Dictionary<int, byte> _nearest = new();

    /// <summary>Uses <paramref name="palette"/> (RGB triples, at most 256 entries).</summary>
    public PaletteMapper(byte[] palette)
    {
        _palette = palette;
        _entries = palette.Length / 3;
        for (var i = _entries - 1; i >= 0; i--)
        {
            _nearest[(palette[3 * i] << 16) | (palette[3 * i + 1] << 8) | palette[3 * i + 2]] = (byte)i;
        }
    }

    /// <summary>Index of the palette entry nearest to (r, g, b).</summary>
    public byte Nearest(int r, int g, int b)
    {
        var key = (r << 16) | (g << 8) | b;
        if (_nearest.TryGetValue(key, out var index))
        {
            return index;
        }
        var best = 0;
        var bestDistance = int.MaxValue;
        for (var i = 0; i < _entries; i++)
        {
            int dr = r - _palette[3 * i], dg = g - _palette[3 * i + 1], db = b - _palette[3 * i + 2];
            var d = dr * dr + dg * dg + db * db;
            if (d < bestDistance)
            {
                bestDistance = d;
                best = i;
            }
        }
        _nearest[key] = (byte)best;
        return (byte)best;
    }

    /// <summary>Maps one RGB frame <c>[H, W, 3]</c> to indices <c>[H, W]</c>.</summary>
    public void Map(ReadOnlySpan<byte> rgb, Span<byte> indices, int width, int height, bool dither)
    {
        if (!dither)
        {
            for (var p = 0; p < indices.Length; p++)
            {
                indices[p] = Nearest(rgb[3 * p], rgb[3 * p + 1], rgb[3 * p + 2]);
            }
            return;
        }

        // Errors are carried in sixteenths to stay in integers.
        var current = new int[(width + 2) * 3];
        var next = new int[(width + 2) * 3];
        for (var y = 0; y < height; y++)
        {
            Array.Clear(next);
            for (var x = 0; x < width; x++)
            {
                var p = y * width + x;
                var e = 3 * (x + 1);
                var r = Math.Clamp(rgb[3 * p] + Round16(current[e]), 0, 255);
                var g = Math.Clamp(rgb[3 * p + 1] + Round16(current[e + 1]), 0, 255);
                var b = Math.Clamp(rgb[3 * p + 2] + Round16(current[e + 2]), 0, 255);
                var index = Nearest(r, g, b);
                indices[p] = index;
                Span<int> error = [r - _palette[3 * index], g - _palette[3 * index + 1], b - _palette[3 * index + 2]];
                for (var c = 0; c < 3; c++)
                {
                    current[e + 3 + c] += error[c] * 7;
                    next[e - 3 + c] += error[c] * 3;
                    next[e + c] += error[c] * 5;
                    next[e + 3 + c] += error[c];
                }
            }
            (current, next) = (next, current);
        }
    }

    private static int Round16(int sixteenths) => sixteenths >= 0 ? (sixteenths + 8) >> 4 : -((-sixteenths + 8) >> 4);
}
