using System.Globalization;
using VideoDiffusion.Diffusion;
using VideoDiffusion.Internal;
using VideoDiffusion.Schedules;
using static TorchSharp.torch;

namespace VideoDiffusion.Samplers;

/// <summary>
/// Dynamic thresholding (Saharia et al. 2022, "Photorealistic Text-to-Image Diffusion Models with Deep Language
/// Understanding" (Imagen), section 2.3) as a denoiser decorator: per clip, <c>s = max(percentile(|x0_hat|, p), 1)</c>
/// (capped at <see cref="MaxThreshold"/>), then <c>x0 = clamp(x0_hat, -s, s) / s</c>, and eps follows from
/// <c>eps = (x_t - alpha x0) / sigma</c>. Keeps guided x0 estimates inside model space [-1, 1] without the flat
/// saturation of static clipping.
/// </summary>
public sealed class DynamicThresholding : IDenoiser
{
    /// <summary>Creates the decorator.</summary>
    /// <param name="inner">The denoiser to threshold.</param>
    /// <param name="percentile">Percentile p in (0, 1] of |x0_hat| per clip. <value>The default value is 0.995 (Imagen).</value></param>
    /// <param name="maxThreshold">Largest threshold s (&gt;= 1; diffusers' <c>sample_max_value</c>). <value>The default value is +inf.</value></param>
    /// <exception cref="ArgumentOutOfRangeException">percentile outside (0, 1]; maxThreshold &lt; 1.</exception>
    public DynamicThresholding(IDenoiser inner, double percentile = 0.995, double maxThreshold = double.PositiveInfinity)
    {
        ArgumentNullException.ThrowIfNull(inner);
        if (!(percentile > 0 && percentile <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(percentile), percentile, "Expected a percentile in (0, 1].");
        }
        if (!(maxThreshold >= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(maxThreshold), maxThreshold, "Expected a maximum threshold >= 1.");
        }
        Inner = inner;
        Percentile = percentile;
        MaxThreshold = maxThreshold;
    }

    /// <summary>The wrapped denoiser.</summary>
    public IDenoiser Inner { get; }

    /// <summary>The percentile p.</summary>
    public double Percentile { get; }

    /// <summary>The largest threshold.</summary>
    public double MaxThreshold { get; }

    /// <inheritdoc />
    public Denoised Denoise(Tensor xt, NoiseLevel level)
    {
        Shapes.RequireVideoBatch(xt, nameof(xt));
        using var scope = NewDisposeScope();
        var d = Inner.Denoise(xt, level);
        var batch = xt.shape[0];
        var q = full([], Percentile, d.X0.dtype, d.X0.device);
        var s = d.X0.reshape(batch, -1).abs().quantile(q, 1, keepdim: true).clamp(1.0, MaxThreshold).reshape(batch, 1, 1, 1, 1);
        var x0 = d.X0.clamp(s.neg(), s).div_(s);
        return new Denoised(x0, SamplerMath.EpsFromX0(xt, x0, level)).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"DynamicThresholding(p={Percentile:R}, max={MaxThreshold:R})");
}
