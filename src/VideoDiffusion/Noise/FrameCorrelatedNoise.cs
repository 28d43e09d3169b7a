using System.Globalization;
using static TorchSharp.torch;
using VideoDiffusion.Internal;

namespace VideoDiffusion.Noise;

/// <summary>How <see cref="FrameCorrelatedNoise"/> correlates frames (Ge et al. 2023, "Preserve Your Own Correlation").</summary>
public enum FrameCorrelationMode
{
    /// <summary>
    /// Mixed noise: <c>eps_f = sqrt(rho) * shared + sqrt(1 - rho) * independent_f</c>; every pair of frames correlates by rho.
    /// </summary>
    Mixed,

    /// <summary>
    /// Progressive noise: <c>eps_0 = n_0</c>, <c>eps_f = rho * eps_{f-1} + sqrt(1 - rho^2) * n_f</c>; frames k apart correlate by rho^k.
    /// </summary>
    Progressive,
}

/// <summary>
/// Noise correlated across the frames of each clip, after "Preserve Your Own Correlation" (Ge et al. 2023): a video
/// model fine-tuned from an image model learns faster when its noise shares structure between frames. Every element
/// keeps unit variance.
/// </summary>
public sealed class FrameCorrelatedNoise : INoiseSource
{
    /// <summary>Creates frame-correlated noise.</summary>
    /// <param name="correlation">The correlation rho in [0, 1): between any two frames (mixed) or between neighbours (progressive).</param>
    /// <param name="mode">Mixed or progressive.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="correlation"/> is outside [0, 1).</exception>
    public FrameCorrelatedNoise(double correlation = 0.5, FrameCorrelationMode mode = FrameCorrelationMode.Mixed)
    {
        if (!(correlation >= 0 && correlation < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(correlation), correlation, "Expected a correlation in [0, 1).");
        }
        if (!Enum.IsDefined(mode))
        {
            throw new ArgumentOutOfRangeException(nameof(mode), mode, "Unknown mode.");
        }
        Correlation = correlation;
        Mode = mode;
    }

    /// <summary>The correlation rho.</summary>
    public double Correlation { get; }

    /// <summary>How frames are correlated.</summary>
    public FrameCorrelationMode Mode { get; }

    /// <inheritdoc />
    public string Description => string.Format(CultureInfo.InvariantCulture, "FrameCorrelated(correlation={0:R}, mode={1})", Correlation, Mode);

    /// <inheritdoc />
    public Tensor Sample(long[] shape, Generator generator, ScalarType dtype = ScalarType.Float32, Device? device = null)
    {
        NoiseDraw.Check(shape, generator, dtype, video: true);
        using var scope = NewDisposeScope();
        var independent = NoiseDraw.Randn(shape, generator, dtype);
        Tensor result;
        if (Mode == FrameCorrelationMode.Mixed)
        {
            var shared = NoiseDraw.Randn([shape[0], shape[1], 1, shape[3], shape[4]], generator, dtype);
            result = shared.MulScalar(Math.Sqrt(Correlation)) + independent.MulScalar(Math.Sqrt(1 - Correlation));
        }
        else
        {
            var frames = independent.unbind(2);
            var innovation = Math.Sqrt(1 - Correlation * Correlation);
            var previous = frames[0];
            var output = new Tensor[frames.Length];
            output[0] = previous;
            for (var f = 1; f < frames.Length; f++)
            {
                previous = previous.MulScalar(Correlation) + frames[f].MulScalar(innovation);
                output[f] = previous;
            }
            result = stack(output, 2);
        }
        return NoiseDraw.Finish(result, dtype, device).MoveToOuterDisposeScope();
    }
}
