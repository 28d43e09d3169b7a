namespace VideoDiffusion.IO;

/// <summary>
/// Median-cut colour quantization (Heckbert, "Color image quantization for frame buffer display", SIGGRAPH 1982) over
/// a 15-bit histogram (5 bits per channel): the box with the largest <c>population x (longest side)^2</c> is split at
/// the population median of its longest axis until there are as many boxes as colours wanted; each palette entry is the
/// population-weighted mean of the exact 8-bit colours that fell in its box.
/// </summary>
internal sealed class MedianCutQuantizer
{
    private const int Bins = 1 << 15;

    private readonly long[] _count = new long[Bins];
    private readonly long[] _sumR = new long[Bins];
    private readonly long[] _sumG = new long[Bins];
    private readonly long[] _sumB = new long[Bins];

    /// <summary>Adds RGB pixels (3 bytes each) to the histogram.</summary>
    public void Add(ReadOnlySpan<byte> rgb)
    {
        for (var i = 0; i + 2 < rgb.Length; i += 3)
        {
            int r = rgb[i], g = rgb[i + 1], b = rgb[i + 2];
            var bin = ((r >> 3) << 10) | ((g >> 3) << 5) | (b >> 3);
            _count[bin]++;
            _sumR[bin] += r;
            _sumG[bin] += g;
            _sumB[bin] += b;
        }
    }

    /// <summary>Builds a palette of at most <paramref name="maxColors"/> entries, as RGB triples.</summary>
    public byte[] BuildPalette(int maxColors)
    {
        var bins = new List<int>();
        for (var i = 0; i < Bins; i++)
        {
            if (_count[i] > 0)
            {
                bins.Add(i);
            }
        }
        var items = bins.ToArray();
        var boxes = new List<(int Start, int End)> { (0, items.Length) };
        while (boxes.Count < maxColors)
        {
            var best = -1;
            double bestScore = 0;
            var bestAxis = 0;
            for (var k = 0; k < boxes.Count; k++)
            {
                var (start, end) = boxes[k];
                if (end - start < 2)
                {
                    continue;
                }
                var (axis, extent, population) = Measure(items.AsSpan(start, end - start));
                var score = (double)population * extent * extent;
                if (extent > 0 && score > bestScore)
                {
                    bestScore = score;
                    best = k;
                    bestAxis = axis;
                }
            }
            if (best < 0)
            {
                break;
            }
            var box = boxes[best];
            var span = items.AsSpan(box.Start, box.End - box.Start);
            var shift = 10 - 5 * bestAxis;
            span.Sort((x, y) => ((x >> shift) & 31).CompareTo((y >> shift) & 31));
            var split = MedianSplit(span, shift);
            boxes[best] = (box.Start, box.Start + split);
            boxes.Add((box.Start + split, box.End));
        }

        var palette = new byte[boxes.Count * 3];
        for (var k = 0; k < boxes.Count; k++)
        {
            long n = 0, r = 0, g = 0, b = 0;
            foreach (var bin in items.AsSpan(boxes[k].Start, boxes[k].End - boxes[k].Start))
            {
                n += _count[bin];
                r += _sumR[bin];
                g += _sumG[bin];
                b += _sumB[bin];
            }
            palette[3 * k] = (byte)((r + n / 2) / n);
            palette[3 * k + 1] = (byte)((g + n / 2) / n);
            palette[3 * k + 2] = (byte)((b + n / 2) / n);
        }
        return palette;
    }

    private (int Axis, int Extent, long Population) Measure(ReadOnlySpan<int> bins)
    {
        Span<int> min = [31, 31, 31];
        Span<int> max = [0, 0, 0];
        long population = 0;
        foreach (var bin in bins)
        {
            population += _count[bin];
            for (var axis = 0; axis < 3; axis++)
            {
                var v = (bin >> (10 - 5 * axis)) & 31;
                min[axis] = Math.Min(min[axis], v);
                max[axis] = Math.Max(max[axis], v);
            }
        }
        var bestAxis = 0;
        for (var axis = 1; axis < 3; axis++)
        {
            if (max[axis] - min[axis] > max[bestAxis] - min[bestAxis])
            {
                bestAxis = axis;
            }
        }
        return (bestAxis, max[bestAxis] - min[bestAxis], population);
    }

    private int MedianSplit(ReadOnlySpan<int> sorted, int shift)
    {
        long total = 0;
        foreach (var bin in sorted)
        {
            total += _count[bin];
        }
        long running = 0;
        var split = 1;
        for (var i = 0; i < sorted.Length - 1; i++)
        {
            running += _count[sorted[i]];
            split = i + 1;
            if (2 * running >= total)
            {
                break;
            }
        }
        // Keep bins of equal value on one side so both halves shrink along the axis.
        var value = (sorted[split - 1] >> shift) & 31;
        var up = split;
        while (up < sorted.Length && ((sorted[up] >> shift) & 31) == value)
        {
            up++;
        }
        if (up < sorted.Length)
        {
            return up;
        }
        var down = split - 1;
        while (down > 0 && ((sorted[down - 1] >> shift) & 31) == value)
        {
            down--;
        }
        return Math.Max(1, down);
    }
}
