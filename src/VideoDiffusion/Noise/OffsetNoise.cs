using System.Globalization;
using static TorchSharp.torch;

namespace VideoDiffusion.Noise;

/// <summary>
/// Offset noise (Guttenberg 2023): Gaussian noise plus a per-sample, per-channel constant, which lets a model learn to
/// change a clip's overall brightness. The sum <c>eps + strength * n[b, c]</c> is divided by
/// <c>sqrt(1 + strength^2)</c> so that every element keeps unit variance (the original adds the offset unscaled);
/// elements of one channel then correlate by <c>strength^2 / (1 + strength^2)</c>.
/// </summary>
public sealed class OffsetNoise : INoiseSource
{
    /// <summary>Creates offset noise.</summary>
    /// <param name="strength">Standard deviation of the per-channel offset relative to the per-element noise, &gt;= 0 (0.1 is usual).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="strength"/> is negative or not finite.</exception>
    public OffsetNoise(double strength = 0.1)
    {
        if (!(strength >= 0) || double.IsInfinity(strength))
        {
            throw new ArgumentOutOfRangeException(nameof(strength), strength, "Expected a finite strength >= 0.");
        }
        Strength = strength;
    }

    /// <summary>The offset's relative standard deviation.</summary>
    public double Strength { get; }

    /// <inheritdoc />
    public string Description => string.Format(CultureInfo.InvariantCulture, "Offset(strength={0:R})", Strength);

    /// <inheritdoc />
    public Tensor Sample(long[] shape, Generator generator, ScalarType dtype = ScalarType.Float32, Device? device = null)
    {
        NoiseDraw.Check(shape, generator, dtype, video: true);
        using var scope = NewDisposeScope();
        var eps = NoiseDraw.Randn(shape, generator, dtype);
        var offset = NoiseDraw.Randn([shape[0], shape[1], 1, 1, 1], generator, dtype);
        var result = (eps + offset * Strength) / Math.Sqrt(1 + Strength * Strength);
        return NoiseDraw.Finish(result, dtype, device).MoveToOuterDisposeScope();
    }
}
