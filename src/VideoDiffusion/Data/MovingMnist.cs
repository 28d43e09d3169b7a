using VideoDiffusion.IO;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace VideoDiffusion.Data;

/// <summary>
/// Moving MNIST (Srivastava, Mansimov &amp; Salakhutdinov 2015, "Unsupervised Learning of Video Representations using
/// LSTMs"), built the standard way: each of <see cref="MovingMnistOptions.Digits"/> random MNIST digits starts at a
/// uniform position in <c>[0, 1]^2</c> of the free range <c>CanvasSize - DigitSize</c> with a uniform direction, moves
/// <see cref="MovingMnistOptions.StepLength"/> per frame, and bounces (position clamped, velocity flipped) at the edges;
/// positions are truncated to whole pixels and digits are combined with the pixelwise maximum. Single channel, unlabelled.
/// </summary>
public sealed class MovingMnist : IVideoDataset
{
    private readonly byte[] _digits;
    private readonly int _digitCount;

    /// <summary>Reads the MNIST digits and creates the dataset.</summary>
    /// <param name="options">The definition.</param>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    /// <exception cref="FileNotFoundException">The images file does not exist.</exception>
    /// <exception cref="InvalidDataException">The images file is not a valid IDX image file (<see cref="Mnist.ReadImages"/>).</exception>
    public MovingMnist(MovingMnistOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Count, 1, nameof(options.Count));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Frames, 1, nameof(options.Frames));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.DigitSize, 1, nameof(options.DigitSize));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.CanvasSize, options.DigitSize, nameof(options.CanvasSize));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Digits, 1, nameof(options.Digits));
        if (!(options.StepLength >= 0 && options.StepLength <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(options.StepLength), options.StepLength, "Expected a fraction in [0, 1].");
        }
        Options = options;
        TorchBackend.EnsureAvailable();
        using var images = ReadDigits(options.ImagesPath);
        var (count, rows, columns) = ((int)images.shape[0], (int)images.shape[1], (int)images.shape[2]);
        if (count < 1)
        {
            throw new InvalidDataException($"'{options.ImagesPath}' holds no images.");
        }
        _digitCount = count;
        using var digits = rows == options.DigitSize && columns == options.DigitSize ? images.alias() : Resize(images, options.DigitSize);
        _digits = digits.contiguous().data<byte>().ToArray();
    }

    /// <summary>The definition.</summary>
    public MovingMnistOptions Options { get; }

    /// <inheritdoc />
    public int Count => Options.Count;

    /// <inheritdoc />
    public int NumClasses => 0;

    /// <inheritdoc />
    public string Description =>
        $"MovingMnist(count={Count}, frames={Options.Frames}, canvas={Options.CanvasSize}, digit={Options.DigitSize}, digits={Options.Digits}, step={Options.StepLength}, seed={Options.Seed}, mnistImages={_digitCount})";

    /// <inheritdoc />
    public VideoExample Get(int index)
    {
        ClipChecks.RequireIndex(index, Count);
        TorchBackend.EnsureAvailable();
        var o = Options;
        var (canvas, size) = (o.CanvasSize, o.DigitSize);
        var pixels = new float[o.Frames * canvas * canvas];
        var rng = SplitMix64.For(o.Seed, 0x3A1, index);
        for (var d = 0; d < o.Digits; d++)
        {
            var digit = rng.NextInt(_digitCount);
            foreach (var (t, top, left) in Trajectory(ref rng))
            {
                for (var r = 0; r < size; r++)
                {
                    for (var c = 0; c < size; c++)
                    {
                        var value = _digits[(digit * size + r) * size + c] / 255f;
                        ref var p = ref pixels[(t * canvas + top + r) * canvas + left + c];
                        p = Math.Max(p, value);
                    }
                }
            }
        }
        return new VideoExample(ClipChecks.FromUnit(pixels, 1, o.Frames, canvas, canvas));
    }

    /// <summary>The top-left corner of one digit in every frame, following the original generator.</summary>
    private IEnumerable<(int Frame, int Top, int Left)> Trajectory(ref SplitMix64 rng)
    {
        var o = Options;
        var free = o.CanvasSize - o.DigitSize;
        var y = rng.NextDouble();
        var x = rng.NextDouble();
        var theta = rng.NextDouble() * 2 * Math.PI;
        var (vy, vx) = (Math.Sin(theta), Math.Cos(theta));
        var path = new (int, int, int)[o.Frames];
        for (var t = 0; t < o.Frames; t++)
        {
            path[t] = (t, (int)(free * y), (int)(free * x));
            y += vy * o.StepLength;
            x += vx * o.StepLength;
            (y, vy) = Clamp(y, vy);
            (x, vx) = Clamp(x, vx);
        }
        return path;
    }

    private static (double Position, double Velocity) Clamp(double p, double v) =>
        p <= 0 ? (0, -v) : p >= 1 ? (1, -v) : (p, v);

    private static Tensor ReadDigits(string path)
    {
        try
        {
            return Mnist.ReadImages(path);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"'{path}': {e.Message}", e);
        }
    }

    private static Tensor Resize(Tensor images, int size)
    {
        using var scope = NewDisposeScope();
        var resized = interpolate(images.unsqueeze(1).to(ScalarType.Float32), [size, size], mode: InterpolationMode.Bilinear, align_corners: false);
        return resized.squeeze(1).round().clamp(0, 255).to(ScalarType.Byte).MoveToOuterDisposeScope();
    }
}
