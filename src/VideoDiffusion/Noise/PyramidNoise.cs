using System.Globalization;
using static TorchSharp.torch;

namespace VideoDiffusion.Noise;

/// <summary>
/// Multi-resolution ("pyramid") noise (Whitaker 2023): full-resolution noise plus noise drawn at 1/2, 1/4, … of the
/// frame size, upsampled (nearest) and weighted by <c>discount^i</c>. Low-frequency components let a model learn large
/// structures. The sum is divided by <c>sqrt(sum_i discount^(2i))</c>, the exact standard deviation of the sum, so every
/// element keeps unit variance (the original rescales by the sample's standard deviation). Levels are per frame: time
/// is not downsampled.
/// </summary>
public sealed class PyramidNoise : INoiseSource
{
    /// <summary>Creates pyramid noise.</summary>
    /// <param name="discount">Weight ratio between successive levels, in [0, 1).</param>
    /// <param name="maxLevels">Most coarse levels added (stops earlier when a side would drop below 1 pixel), &gt;= 1.</param>
    /// <exception cref="ArgumentOutOfRangeException">A parameter is outside its range.</exception>
    public PyramidNoise(double discount = 0.8, int maxLevels = 10)
    {
        if (!(discount >= 0 && discount < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(discount), discount, "Expected a discount in [0, 1).");
        }
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLevels, 1);
        Discount = discount;
        MaxLevels = maxLevels;
    }

    /// <summary>Weight ratio between successive levels.</summary>
    public double Discount { get; }

    /// <summary>Most coarse levels added on top of full-resolution noise.</summary>
    public int MaxLevels { get; }

    /// <inheritdoc />
    public string Description => string.Format(CultureInfo.InvariantCulture, "Pyramid(discount={0:R}, maxLevels={1})", Discount, MaxLevels);

    /// <inheritdoc />
    public Tensor Sample(long[] shape, Generator generator, ScalarType dtype = ScalarType.Float32, Device? device = null)
    {
        NoiseDraw.Check(shape, generator, dtype, video: true);
        using var scope = NewDisposeScope();
        long b = shape[0], c = shape[1], t = shape[2], h = shape[3], w = shape[4];
        var sum = NoiseDraw.Randn(shape, generator, dtype);
        var variance = 1.0;
        var weight = 1.0;
        for (var level = 1; level <= MaxLevels; level++)
        {
            long hl = h >> level, wl = w >> level;
            if (hl < 1 || wl < 1)
            {
                break;
            }
            weight *= Discount;
            var coarse = NoiseDraw.Randn([b, c, t, hl, wl], generator, dtype);
            var up = nn.functional.interpolate(coarse, [t, h, w], mode: InterpolationMode.Nearest);
            sum = sum + up * weight;
            variance += weight * weight;
        }
        return NoiseDraw.Finish(sum / Math.Sqrt(variance), dtype, device).MoveToOuterDisposeScope();
    }
}
