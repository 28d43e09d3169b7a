using static TorchSharp.torch;

namespace VideoDiffusion.Data;

/// <summary>
/// A synthetic video dataset: coloured squares and circles that move with constant velocity and bounce off the walls
/// (elastic reflection per axis). Clip i is a pure function of the options and i, rendered with exact area coverage for
/// squares and 4 x 4 supersampling for circles, shapes painted in order over the background. Labels (see
/// <see cref="BouncingShapesOptions.Label"/>) make it a class-conditional dataset.
/// </summary>
public sealed class BouncingShapes : IVideoDataset
{
    private const int CircleSamples = 4;

    /// <summary>Creates the dataset.</summary>
    /// <param name="options">The definition; null = defaults.</param>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    /// <exception cref="ArgumentException">No kinds or no colours are given.</exception>
    public BouncingShapes(BouncingShapesOptions? options = null)
    {
        Options = options ?? new BouncingShapesOptions();
        Validate(Options);
    }

    /// <summary>The definition.</summary>
    public BouncingShapesOptions Options { get; }

    /// <inheritdoc />
    public int Count => Options.Count;

    /// <inheritdoc />
    public int NumClasses => Options.Label switch
    {
        BouncingShapesLabel.ShapeKind => Options.Kinds.Count,
        BouncingShapesLabel.ObjectCount => Options.MaxObjects - Options.MinObjects + 1,
        _ => 0,
    };

    /// <inheritdoc />
    public string Description =>
        $"BouncingShapes(count={Count}, frames={Options.Frames}, size={Options.Height}x{Options.Width}x{Options.Channels}, objects={Options.MinObjects}..{Options.MaxObjects}, " +
        $"kinds=[{string.Join(", ", Options.Kinds)}], shapeSize={Options.Size}, speed={Options.MinSpeed}..{Options.MaxSpeed}, label={Options.Label}, seed={Options.Seed})";

    /// <inheritdoc />
    public VideoExample Get(int index)
    {
        ClipChecks.RequireIndex(index, Count);
        TorchBackend.EnsureAvailable();
        var o = Options;
        var scene = Scene(index);
        var bg = Channels(o.Background);
        var pixels = new float[o.Channels * o.Frames * o.Height * o.Width];
        var plane = o.Height * o.Width;
        for (var t = 0; t < o.Frames; t++)
        {
            var coverage = new double[plane];
            var color = new double[o.Channels * plane];
            for (var c = 0; c < o.Channels; c++)
            {
                Array.Fill(color, bg[c], c * plane, plane);
            }
            foreach (var shape in scene.Shapes)
            {
                Array.Clear(coverage);
                Cover(shape.Kind, shape.Path[t], coverage);
                var fg = Channels(shape.Color);
                for (var c = 0; c < o.Channels; c++)
                {
                    for (var p = 0; p < plane; p++)
                    {
                        color[c * plane + p] += coverage[p] * (fg[c] - color[c * plane + p]);
                    }
                }
            }
            for (var c = 0; c < o.Channels; c++)
            {
                for (var p = 0; p < plane; p++)
                {
                    pixels[((c * o.Frames) + t) * plane + p] = (float)(color[c * plane + p] / 255.0);
                }
            }
        }
        return new VideoExample(ClipChecks.FromUnit(pixels, o.Channels, o.Frames, o.Height, o.Width), scene.Label);
    }

    /// <summary>
    /// The centre (x, y) in pixels of every shape of clip <paramref name="index"/> in every frame: <c>[shape][frame]</c>,
    /// the ground truth of what <see cref="Get"/> renders (x to the right, y down, pixel (0, 0) covering [0, 1) x [0, 1)).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is outside <c>[0, Count)</c>.</exception>
    public IReadOnlyList<(double X, double Y)[]> Trajectories(int index)
    {
        ClipChecks.RequireIndex(index, Count);
        return Scene(index).Shapes.Select(s => s.Path).ToArray();
    }

    private double[] Channels(RgbColor color) => Options.Channels == 1 ? [color.Luma] : [color.R, color.G, color.B];

    private (List<(ShapeKind Kind, RgbColor Color, (double X, double Y)[] Path)> Shapes, long? Label) Scene(int index)
    {
        var o = Options;
        var rng = SplitMix64.For(o.Seed, 0xB0B, index);
        var count = rng.NextInt(o.MinObjects, o.MaxObjects);
        var clipKind = rng.NextInt(o.Kinds.Count);
        var shapes = new List<(ShapeKind, RgbColor, (double, double)[])>(count);
        var half = o.Size / 2;
        for (var s = 0; s < count; s++)
        {
            var kindIndex = o.Label == BouncingShapesLabel.ShapeKind ? clipKind : rng.NextInt(o.Kinds.Count);
            var color = o.Colors[rng.NextInt(o.Colors.Count)];
            var x = rng.NextDouble(half, o.Width - half);
            var y = rng.NextDouble(half, o.Height - half);
            var speed = rng.NextDouble(o.MinSpeed, o.MaxSpeed);
            var angle = rng.NextDouble(0, 2 * Math.PI);
            var (vx, vy) = (speed * Math.Cos(angle), speed * Math.Sin(angle));
            var path = new (double X, double Y)[o.Frames];
            for (var t = 0; t < o.Frames; t++)
            {
                path[t] = (x, y);
                (x, vx) = Bounce(x + vx, vx, half, o.Width - half);
                (y, vy) = Bounce(y + vy, vy, half, o.Height - half);
            }
            shapes.Add((o.Kinds[kindIndex], color, path));
        }
        long? label = o.Label switch
        {
            BouncingShapesLabel.ShapeKind => clipKind,
            BouncingShapesLabel.ObjectCount => count - o.MinObjects,
            _ => null,
        };
        return (shapes, label);
    }

    /// <summary>Reflects a coordinate into [lo, hi] (as often as needed) and flips the velocity once per reflection.</summary>
    private static (double Position, double Velocity) Bounce(double p, double v, double lo, double hi)
    {
        while (p < lo || p > hi)
        {
            p = p < lo ? 2 * lo - p : 2 * hi - p;
            v = -v;
        }
        return (p, v);
    }

    private void Cover(ShapeKind kind, (double X, double Y) centre, double[] coverage)
    {
        var (w, h) = (Options.Width, Options.Height);
        var half = Options.Size / 2;
        var (x0, x1) = (centre.X - half, centre.X + half);
        var (y0, y1) = (centre.Y - half, centre.Y + half);
        var (px0, px1) = ((int)Math.Max(0, Math.Floor(x0)), (int)Math.Min(w - 1, Math.Floor(x1)));
        var (py0, py1) = ((int)Math.Max(0, Math.Floor(y0)), (int)Math.Min(h - 1, Math.Floor(y1)));
        for (var py = py0; py <= py1; py++)
        {
            for (var px = px0; px <= px1; px++)
            {
                coverage[py * w + px] = kind == ShapeKind.Square
                    ? Overlap(px, x0, x1) * Overlap(py, y0, y1)
                    : DiscCoverage(px, py, centre, half);
            }
        }
    }

    private static double Overlap(int pixel, double lo, double hi) => Math.Max(0, Math.Min(pixel + 1, hi) - Math.Max(pixel, lo));

    private static double DiscCoverage(int px, int py, (double X, double Y) centre, double radius)
    {
        var inside = 0;
        for (var sy = 0; sy < CircleSamples; sy++)
        {
            for (var sx = 0; sx < CircleSamples; sx++)
            {
                var dx = px + (sx + 0.5) / CircleSamples - centre.X;
                var dy = py + (sy + 0.5) / CircleSamples - centre.Y;
                inside += dx * dx + dy * dy <= radius * radius ? 1 : 0;
            }
        }
        return (double)inside / (CircleSamples * CircleSamples);
    }

    private static void Validate(BouncingShapesOptions o)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(o.Count, 1, nameof(o.Count));
        ArgumentOutOfRangeException.ThrowIfLessThan(o.Frames, 1, nameof(o.Frames));
        ArgumentOutOfRangeException.ThrowIfLessThan(o.Height, 2, nameof(o.Height));
        ArgumentOutOfRangeException.ThrowIfLessThan(o.Width, 2, nameof(o.Width));
        if (o.Channels is not (1 or 3))
        {
            throw new ArgumentOutOfRangeException(nameof(o.Channels), o.Channels, "Expected 1 or 3 channels.");
        }
        ArgumentOutOfRangeException.ThrowIfLessThan(o.MinObjects, 1, nameof(o.MinObjects));
        ArgumentOutOfRangeException.ThrowIfLessThan(o.MaxObjects, o.MinObjects, nameof(o.MaxObjects));
        if (!(o.Size > 0 && o.Size < Math.Min(o.Height, o.Width)))
        {
            throw new ArgumentOutOfRangeException(nameof(o.Size), o.Size, $"Expected a size in (0, {Math.Min(o.Height, o.Width)}) pixels.");
        }
        if (!(o.MinSpeed >= 0 && double.IsFinite(o.MinSpeed)))
        {
            throw new ArgumentOutOfRangeException(nameof(o.MinSpeed), o.MinSpeed, "Expected a finite speed >= 0.");
        }
        if (!(o.MaxSpeed >= o.MinSpeed && double.IsFinite(o.MaxSpeed)))
        {
            throw new ArgumentOutOfRangeException(nameof(o.MaxSpeed), o.MaxSpeed, $"Expected a finite speed >= MinSpeed ({o.MinSpeed}).");
        }
        if (o.Kinds is null || o.Kinds.Count == 0)
        {
            throw new ArgumentException("Expected at least one shape kind.", nameof(o.Kinds));
        }
        if (o.Colors is null || o.Colors.Count == 0)
        {
            throw new ArgumentException("Expected at least one colour.", nameof(o.Colors));
        }
    }
}
