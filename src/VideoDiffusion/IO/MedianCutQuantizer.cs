namespace VideoDiffusion.IO;

/// <summary>
/// Median-cut colour quantization (Heckbert, "Color image quantization for frame buffer display", SIGGRAPH 1982) over
/// a 15-bit histogram (5 bits per channel): the box with the largest <c>population x (longest side)^2</c> is split at
/// the population median of its longest axis until there are as many boxes as colours wanted; each palette entry starts
/// as the population-weighted mean of the exact 8-bit colours that fell in its box, and is then refined by a few
/// weighted Lloyd (k-means) iterations over the occupied bins (Lloyd, "Least squares quantization in PCM", 1982), which
/// median cut alone leaves on the table for smooth gradients.
/// </summary>
internal sealed class MedianCutQuantizer
{
    private const int Bins = 1 << 15;
    private const int LloydIterations = 8;

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

        var centers = new double[boxes.Count * 3];
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
            centers[3 * k] = (double)r / n;
            centers[3 * k + 1] = (double)g / n;
            centers[3 * k + 2] = (double)b / n;
        }
        Refine(items, centers);

        var palette = new byte[centers.Length];
        for (var i = 0; i < centers.Length; i++)
        {
            palette[i] = (byte)Math.Clamp(Math.Round(centers[i]), 0, 255);
        }
        return palette;
    }

    /// <summary>Weighted Lloyd iterations: each occupied bin (at its mean colour, weighted by its count) joins the nearest centre; centres move to their members' mean.</summary>
    private void Refine(int[] items, double[] centers)
    {
        var k = centers.Length / 3;
        if (k < 2 || items.Length <= k)
        {
            return;
        }
        var points = new double[items.Length * 3];
        for (var i = 0; i < items.Length; i++)
        {
            var bin = items[i];
            points[3 * i] = (double)_sumR[bin] / _count[bin];
            points[3 * i + 1] = (double)_sumG[bin] / _count[bin];
            points[3 * i + 2] = (double)_sumB[bin] / _count[bin];
        }
        var assignment = new int[items.Length];
        var sums = new double[centers.Length];
        var weights = new double[k];
        for (var iteration = 0; iteration < LloydIterations; iteration++)
        {
            var changed = false;
            for (var i = 0; i < items.Length; i++)
            {
                var best = 0;
                var bestDistance = double.MaxValue;
                for (var c = 0; c < k; c++)
                {
                    double dr = points[3 * i] - centers[3 * c], dg = points[3 * i + 1] - centers[3 * c + 1], db = points[3 * i + 2] - centers[3 * c + 2];
                    var d = dr * dr + dg * dg + db * db;
                    if (d < bestDistance)
                    {
                        bestDistance = d;
                        best = c;
                    }
                }
                changed |= iteration == 0 || assignment[i] != best;
                assignment[i] = best;
            }
            if (!changed)
            {
                break;
            }
            Array.Clear(sums);
            Array.Clear(weights);
            for (var i = 0; i < items.Length; i++)
            {
                var c = assignment[i];
                double w = _count[items[i]];
                weights[c] += w;
                sums[3 * c] += w * points[3 * i];
                sums[3 * c + 1] += w * points[3 * i + 1];
                sums[3 * c + 2] += w * points[3 * i + 2];
            }
            for (var c = 0; c < k; c++)
            {
                if (weights[c] > 0)
                {
                    centers[3 * c] = sums[3 * c] / weights[c];
                    centers[3 * c + 1] = sums[3 * c + 1] / weights[c];
                    centers[3 * c + 2] = sums[3 * c + 2] / weights[c];
                }
            }
        }
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
