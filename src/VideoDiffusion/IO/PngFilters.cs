namespace VideoDiffusion.IO;

/// <summary>PNG's five row filters (PNG specification, section 9) shared by the encoder and the decoder.</summary>
internal static class PngFilters
{
    /// <summary>The Paeth predictor (section 9.4): whichever of a (left), b (up), c (up-left) is closest to a + b - c.</summary>
    public static int Paeth(int a, int b, int c)
    {
        var p = a + b - c;
        var pa = Math.Abs(p - a);
        var pb = Math.Abs(p - b);
        var pc = Math.Abs(p - c);
        if (pa <= pb && pa <= pc)
        {
            return a;
        }
        return pb <= pc ? b : c;
    }

    /// <summary>
    /// Reverses the filter of one row in place. <paramref name="previous"/> is the unfiltered row above (all zero for
    /// the first row of a pass); <paramref name="bpp"/> is the filter's byte distance (bytes per complete pixel, at least 1).
    /// Returns false for an unknown filter type.
    /// </summary>
    public static bool Unfilter(byte filter, Span<byte> row, ReadOnlySpan<byte> previous, int bpp)
    {
        switch (filter)
        {
            case 0:
                return true;
            case 1:
                for (var i = bpp; i < row.Length; i++)
                {
                    row[i] += row[i - bpp];
                }
                return true;
            case 2:
                for (var i = 0; i < row.Length; i++)
                {
                    row[i] += previous[i];
                }
                return true;
            case 3:
                for (var i = 0; i < row.Length; i++)
                {
                    var a = i >= bpp ? row[i - bpp] : 0;
                    row[i] += (byte)((a + previous[i]) >> 1);
                }
                return true;
            case 4:
                for (var i = 0; i < row.Length; i++)
                {
                    var a = i >= bpp ? row[i - bpp] : 0;
                    var c = i >= bpp ? previous[i - bpp] : 0;
                    row[i] += (byte)Paeth(a, previous[i], c);
                }
                return true;
            default:
                return false;
        }
    }
}
