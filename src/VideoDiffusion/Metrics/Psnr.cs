using static TorchSharp.torch;

namespace VideoDiffusion.Metrics;

/// <summary>
/// Peak signal-to-noise ratio per frame: <c>PSNR = 10 log10(L^2 / MSE)</c>, with the MSE over all channels and pixels
/// of the frame (as ffmpeg's <c>psnr</c> filter reports <c>psnr_avg</c> for RGB input) and <c>L</c> the data range.
/// Identical frames score +infinity. Computed in float64 on the inputs' device.
/// </summary>
public static class Psnr
{
    /// <summary>PSNR in dB of each frame of <paramref name="generated"/> against <paramref name="reference"/>.</summary>
    /// <param name="generated">Video batch <c>[B, C, T, H, W]</c>.</param>
    /// <param name="reference">Video batch of the same shape.</param>
    /// <param name="dataRange">Peak-to-peak range L: 2 for model space [-1, 1] (the default), 255 for byte values.
    /// PSNR of bytes with 255 equals PSNR of their model-space image with 2.</param>
    /// <exception cref="ArgumentException">The inputs are not floating-point video batches of one shape.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="dataRange"/> is not finite and positive.</exception>
    public static FrameScores Compute(Tensor generated, Tensor reference, double dataRange = 2.0)
    {
        MetricInputs.RequirePair(generated, reference);
        MetricInputs.RequireRange(dataRange, nameof(dataRange));
        TorchBackend.EnsureAvailable();
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var difference = generated.to(ScalarType.Float64) - reference.to(ScalarType.Float64);
        var mse = difference.square().mean([1, 3, 4]);
        var psnr = (dataRange * dataRange / mse).log10().mul(10.0);
        return new FrameScores(MetricInputs.ToJagged(psnr));
    }
}
