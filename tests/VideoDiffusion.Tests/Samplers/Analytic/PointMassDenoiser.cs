using VideoDiffusion.Diffusion;
using VideoDiffusion.Samplers;
using VideoDiffusion.Schedules;

namespace VideoDiffusion.Tests.Samplers.Analytic;

/// <summary>The exact denoiser when the data is one fixed clip v: x0_hat = v, eps_hat = (x_t - alpha v) / sigma.</summary>
internal sealed class PointMassDenoiser(Tensor clip) : IDenoiser
{
    /// <summary>The clip v, <c>[1, C, T, H, W]</c>.</summary>
    public Tensor Clip { get; } = clip;

    public Denoised Denoise(Tensor xt, NoiseLevel level)
    {
        using var scope = NewDisposeScope();
        var x0 = Clip.to(xt.dtype).expand_as(xt).clone();
        var eps = (xt - x0 * level.Alpha) / level.Sigma;
        return new Denoised(x0, eps).MoveToOuterDisposeScope();
    }
}
