using VideoDiffusion.Data;
using VideoDiffusion.IO;
using static TorchSharp.torch;

namespace VideoDiffusion.Metrics;

/// <summary>
/// Object tracks for clips whose ground truth is one shape of a known palette on a plain background
/// (<see cref="BouncingShapes"/>): per frame the largest foreground blob, its nearest palette colour, its kind (square
/// or circle, by how much of its bounding box it fills) and its coverage-weighted centre; per clip the colour changes,
/// kind changes, centre jumps, empty frames and multi-blob frames that a coherent clip never has. Real clips have none.
/// </summary>
/// <remarks>
/// Frame-difference metrics (<see cref="TemporalConsistency"/>) cannot tell a moving shape from one that changes colour;
/// these counts can. A pixel belongs to the foreground when a channel differs from the background by more than
/// <see cref="ShapeTrackOptions.ForegroundThreshold"/>; blobs are 8-connected. The blob's colour is the mean of its
/// brightest pixels (at least 80% of its largest distance from the background), matched to the nearest palette colour
/// P; each pixel's coverage is its projection on the line from the background to P, clamped to [0, 1]; the centre is
/// the coverage-weighted mean of pixel centres over the blob's bounding box grown by one pixel; the fill ratio is the
/// coverage-weighted area over width times height, each the sum over columns (rows) of their largest coverage, which is
/// 1 for a square at any sub-pixel position and pi/4 for a disc.
/// </remarks>
public static class ShapeTracks
{
    /// <summary>Tracks every clip of a model-space batch <c>[B, C, T, H, W]</c> in [-1, 1] (C = 3 or 4; alpha is ignored).</summary>
    /// <exception cref="ArgumentNullException"><paramref name="videos"/> is null.</exception>
    /// <exception cref="ArgumentException">Not a floating-point <c>[B, C, T, H, W]</c> batch with 3 or 4 channels.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public static ShapeTrackReport Analyze(Tensor videos, ShapeTrackOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(videos);
        if (videos.dim() == 5 && videos.shape[1] is not (3 or 4))
        {
            throw new ArgumentException($"Expected 3 or 4 channels in [B, C, T, H, W], got shape {Internal.Shapes.Format(videos)}.", nameof(videos));
        }
        return Analyze(VideoTensors.ToFramesBatch(videos), options);
    }

    /// <summary>Tracks decoded clips (e.g. <see cref="Gif.Read(string, GifReadOptions?)"/> frames), one track per clip.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="clips"/> or one of them is null.</exception>
    /// <exception cref="ArgumentException">A clip has fewer than 3 channels.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public static ShapeTrackReport Analyze(IEnumerable<VideoFrames> clips, ShapeTrackOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(clips);
        options ??= new ShapeTrackOptions();
        options.Validate();
        return new ShapeTrackReport(clips.Select(c => Track(c, options)).ToList());
    }

    /// <summary>Tracks one decoded clip <c>[T, H, W, C]</c> (C = 3 or 4).</summary>
    /// <exception cref="ArgumentNullException"><paramref name="clip"/> is null.</exception>
    /// <exception cref="ArgumentException">The clip has fewer than 3 channels.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public static ShapeTrack Analyze(VideoFrames clip, ShapeTrackOptions? options = null)
    {
        options ??= new ShapeTrackOptions();
        options.Validate();
        return Track(clip, options);
    }

    private static ShapeTrack Track(VideoFrames clip, ShapeTrackOptions options)
    {
        ArgumentNullException.ThrowIfNull(clip);
        if (clip.Channels < 3)
        {
            throw new ArgumentException($"Expected RGB or RGBA frames, got {clip.Channels} channel(s).", nameof(clip));
        }
        var frames = new ShapeObservation[clip.Frames];
        for (var t = 0; t < clip.Frames; t++)
        {
            frames[t] = Observe(clip.Frame(t), clip.Height, clip.Width, clip.Channels, options);
        }
        return new ShapeTrack(frames, options.JumpThreshold, options.MaxForegroundFraction);
    }

    /// <summary>The observation of one frame <c>[H, W, C]</c>.</summary>
    private static ShapeObservation Observe(ReadOnlySpan<byte> frame, int height, int width, int channels, ShapeTrackOptions o)
    {
        var plane = height * width;
        var bg = o.Background;
        var distance = new double[plane];
        for (var p = 0; p < plane; p++)
        {
            var px = frame.Slice(p * channels, 3);
            distance[p] = Math.Max(Math.Abs(px[0] - bg.R), Math.Max(Math.Abs(px[1] - bg.G), Math.Abs(px[2] - bg.B))) / 255.0;
        }

        var (labels, sizes) = Blobs(distance, height, width, o.ForegroundThreshold);
        var blobs = sizes.Count(s => s >= o.MinBlobPixels);
        var foreground = sizes.Sum() / (double)plane;
        if (blobs == 0)
        {
            return ShapeObservation.Empty with { Foreground = foreground };
        }
        var largest = Array.IndexOf(sizes, sizes.Max()) + 1;

        // Colour: the mean of the blob's brightest pixels, matched to the palette.
        var peak = 0.0;
        for (var p = 0; p < plane; p++)
        {
            peak = labels[p] == largest ? Math.Max(peak, distance[p]) : peak;
        }
        double r = 0, g = 0, b = 0;
        var n = 0;
        int x0 = width, x1 = -1, y0 = height, y1 = -1;
        for (var p = 0; p < plane; p++)
        {
            if (labels[p] != largest)
            {
                continue;
            }
            var (y, x) = Math.DivRem(p, width);
            (x0, x1, y0, y1) = (Math.Min(x0, x), Math.Max(x1, x), Math.Min(y0, y), Math.Max(y1, y));
            if (distance[p] >= 0.8 * peak)
            {
                r += frame[p * channels];
                g += frame[p * channels + 1];
                b += frame[p * channels + 2];
                n++;
            }
        }
        var color = Nearest(o.Palette, r / n, g / n, b / n);
        var target = o.Palette[color];
        var (dr, dg, db) = ((double)target.R - bg.R, (double)target.G - bg.G, (double)target.B - bg.B);
        var norm2 = Math.Max(dr * dr + dg * dg + db * db, 1.0);

        // Centre: coverage-weighted over the bounding box grown by one pixel. Fill: coverage-weighted area over width x
        // height, where the width is the sum over columns of their largest coverage (exactly the side for a square at any
        // sub-pixel position; a disc fills pi/4 of it).
        var (bx0, bx1, by0, by1) = (Math.Max(0, x0 - 1), Math.Min(width - 1, x1 + 1), Math.Max(0, y0 - 1), Math.Min(height - 1, y1 + 1));
        var columnMax = new double[bx1 - bx0 + 1];
        var rowMax = new double[by1 - by0 + 1];
        double weight = 0, cx = 0, cy = 0;
        for (var y = by0; y <= by1; y++)
        {
            for (var x = bx0; x <= bx1; x++)
            {
                var p = y * width + x;
                if (labels[p] != 0 && labels[p] != largest)
                {
                    continue;
                }
                var px = frame.Slice(p * channels, 3);
                var coverage = Math.Clamp(((px[0] - bg.R) * dr + (px[1] - bg.G) * dg + (px[2] - bg.B) * db) / norm2, 0.0, 1.0);
                weight += coverage;
                cx += coverage * (x + 0.5);
                cy += coverage * (y + 0.5);
                columnMax[x - bx0] = Math.Max(columnMax[x - bx0], coverage);
                rowMax[y - by0] = Math.Max(rowMax[y - by0], coverage);
            }
        }
        if (weight <= 0)
        {
            return new ShapeObservation(blobs, sizes[largest - 1], foreground, color, ShapeKind.Circle, (x0 + x1 + 1) / 2.0, (y0 + y1 + 1) / 2.0, 0.0);
        }
        var fill = weight / (columnMax.Sum() * rowMax.Sum());
        var kind = fill > o.SquareFillRatio ? ShapeKind.Square : ShapeKind.Circle;
        return new ShapeObservation(blobs, sizes[largest - 1], foreground, color, kind, cx / weight, cy / weight, fill);
    }

    /// <summary>8-connected components of <c>distance &gt; threshold</c>: a label per pixel (0 = background, k = blob k) and blob sizes.</summary>
    private static (int[] Labels, int[] Sizes) Blobs(double[] distance, int height, int width, double threshold)
    {
        var labels = new int[distance.Length];
        var sizes = new List<int>();
        var stack = new Stack<int>();
        for (var start = 0; start < distance.Length; start++)
        {
            if (labels[start] != 0 || distance[start] <= threshold)
            {
                continue;
            }
            var label = sizes.Count + 1;
            var size = 0;
            labels[start] = label;
            stack.Push(start);
            while (stack.Count > 0)
            {
                var (y, x) = Math.DivRem(stack.Pop(), width);
                size++;
                for (var ny = Math.Max(0, y - 1); ny <= Math.Min(height - 1, y + 1); ny++)
                {
                    for (var nx = Math.Max(0, x - 1); nx <= Math.Min(width - 1, x + 1); nx++)
                    {
                        var q = ny * width + nx;
                        if (labels[q] == 0 && distance[q] > threshold)
                        {
                            labels[q] = label;
                            stack.Push(q);
                        }
                    }
                }
            }
            sizes.Add(size);
        }
        return (labels, sizes.ToArray());
    }

    private static int Nearest(IReadOnlyList<RgbColor> palette, double r, double g, double b)
    {
        var best = 0;
        var bestDistance = double.PositiveInfinity;
        for (var i = 0; i < palette.Count; i++)
        {
            var d = (palette[i].R - r) * (palette[i].R - r) + (palette[i].G - g) * (palette[i].G - g) + (palette[i].B - b) * (palette[i].B - b);
            if (d < bestDistance)
            {
                (best, bestDistance) = (i, d);
            }
        }
        return best;
    }
}
