using VideoDiffusion.Internal;
using static TorchSharp.torch;

namespace VideoDiffusion.Metrics;

/// <summary>
/// Structural similarity (Wang, Bovik, Sheikh and Simoncelli, "Image quality assessment: from error visibility to
/// structural similarity", IEEE TIP 13(4), 2004, eq. 13):
/// <c>SSIM(x, y) = (2 mu_x mu_y + C1)(2 sigma_xy + C2) / ((mu_x^2 + mu_y^2 + C1)(sigma_x^2 + sigma_y^2 + C2))</c>
/// with <c>C1 = (K1 L)^2</c>, <c>C2 = (K2 L)^2</c>, averaged over the local windows of each channel (MSSIM, eq. 17),
/// then over channels. Intensities are measured from black (<see cref="SsimOptions.MinValue"/>), so model-space and
/// byte inputs give the same score. As in the authors' reference code (<c>ssim_index.m</c>), windows are evaluated where they fit
/// ('valid') and images are not downsampled. <see cref="SsimOptions.Ffmpeg"/> switches to the 8 x 8 block variant
/// that ffmpeg's <c>ssim</c> filter computes. Computed in float64 on the inputs' device.
/// </summary>
public static class Ssim
{
    /// <summary>SSIM of each frame of <paramref name="generated"/> against <paramref name="reference"/>, in [-1, 1] (1 = identical).</summary>
    /// <param name="generated">Video batch <c>[B, C, T, H, W]</c>.</param>
    /// <param name="reference">Video batch of the same shape.</param>
    /// <param name="options">Window and constants; default Gaussian 11 / 1.5, K1 0.01, K2 0.03, range 2 (model space).</param>
    /// <exception cref="ArgumentException">The inputs are not floating-point video batches of one shape, or frames are smaller than the window.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public static FrameScores Compute(Tensor generated, Tensor reference, SsimOptions? options = null)
    {
        MetricInputs.RequirePair(generated, reference);
        options ??= SsimOptions.Default;
        options.Validate();
        long b = generated.shape[0], c = generated.shape[1], t = generated.shape[2], h = generated.shape[3], w = generated.shape[4];
        var minimum = options.Window == SsimWindow.Gaussian ? options.WindowSize : 8;
        if (h < minimum || w < minimum)
        {
            throw new ArgumentException(
                $"Expected frames of at least {minimum} x {minimum} for the {options.Window} SSIM window, got {Shapes.Format(generated)} [B, C, T, H, W].", nameof(generated));
        }
        TorchBackend.EnsureAvailable();
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var x = Planes(generated, options.MinValue);
        var y = Planes(reference, options.MinValue);
        var stacked = cat([x, y, x * x, y * y, x * y], 0);
        var local = options.Window == SsimWindow.Gaussian
            ? GaussianMoments(stacked, options.WindowSize, options.Sigma)
            : BlockMoments(stacked);
        var parts = local.chunk(5, 0);
        Tensor muX = parts[0], muY = parts[1];
        var varX = parts[2] - muX * muX;
        var varY = parts[3] - muY * muY;
        var cov = parts[4] - muX * muY;
        if (options.Window == SsimWindow.Block8x8)
        {
            // x264/ffmpeg use unbiased moments over the 64 pixels of a block.
            const double unbiased = 64.0 / 63.0;
            varX = varX * unbiased;
            varY = varY * unbiased;
            cov = cov * unbiased;
        }
        var c1 = Math.Pow(options.K1 * options.DataRange, 2);
        if (options.Window == SsimWindow.Block8x8)
        {
            // x264 (and so ffmpeg) scales C1 by 64 where the block sums need 64^2, so its effective C1 is (K1 L)^2 / 64.
            c1 /= 64.0;
        }
        var c2 = Math.Pow(options.K2 * options.DataRange, 2);
        var map = (2 * muX * muY + c1) * (2 * cov + c2) / ((muX * muX + muY * muY + c1) * (varX + varY + c2));
        var perPlane = map.mean([1, 2, 3]).view(b, t, c);
        return new FrameScores(MetricInputs.ToJagged(perPlane.mean([2])));
    }

    /// <summary><c>[B, C, T, H, W]</c> to float64 planes <c>[B * T * C, 1, H, W]</c> (frame-major, then channel), measured from black.</summary>
    private static Tensor Planes(Tensor video, double black) =>
        video.to(ScalarType.Float64).sub(black).permute(0, 2, 1, 3, 4).reshape(-1, 1, video.shape[3], video.shape[4]);

    /// <summary>Gaussian-weighted local means by a separable 'valid' convolution with a normalized kernel.</summary>
    private static Tensor GaussianMoments(Tensor planes, int size, double sigma)
    {
        var half = size / 2;
        var weights = Enumerable.Range(0, size).Select(i => Math.Exp(-((i - half) * (i - half)) / (2 * sigma * sigma))).ToArray();
        var total = weights.Sum();
        var kernel = tensor(weights.Select(v => v / total).ToArray(), ScalarType.Float64, planes.device);
        var vertical = nn.functional.conv2d(planes, kernel.view(1, 1, size, 1));
        return nn.functional.conv2d(vertical, kernel.view(1, 1, 1, size));
    }

    /// <summary>Means over 8 x 8 blocks at stride 4 of the image cropped to multiples of 4 (x264's <c>ssim_4x4</c> sums combined 2 x 2).</summary>
    private static Tensor BlockMoments(Tensor planes)
    {
        var h4 = planes.shape[2] / 4 * 4;
        var w4 = planes.shape[3] / 4 * 4;
        var cropped = planes[.., .., ..(int)h4, ..(int)w4];
        return nn.functional.avg_pool2d(cropped, [8, 8], [4, 4]);
    }
}
