using VideoDiffusion.Diffusion;
using VideoDiffusion.Schedules;

namespace VideoDiffusion.Tests.Samplers.Analytic;

/// <summary>
/// The exact denoiser for data that is one of K clips c_k with equal probability: the posterior weights are
/// softmax_k(-||x_t - alpha c_k||^2 / (2 sigma^2)) and x0_hat = sum_k w_k c_k.
/// </summary>
internal sealed class MixtureDenoiser(Tensor clips) : IDenoiser
{
    /// <summary>The clips <c>[K, C, T, H, W]</c>.</summary>
    public Tensor Clips { get; } = clips;

    public Denoised Denoise(Tensor xt, NoiseLevel level)
    {
        using var scope = NewDisposeScope();
        var batch = xt.shape[0];
        var flat = xt.reshape(batch, -1);
        var centres = Clips.to(xt.dtype).reshape(Clips.shape[0], -1);
        var distances = cdist(flat, centres * level.Alpha).square();
        var weights = softmax(distances / (-2 * level.Sigma * level.Sigma), 1);
        var x0 = weights.matmul(centres).reshape(xt.shape);
        var eps = (xt - x0 * level.Alpha) / level.Sigma;
        return new Denoised(x0, eps).MoveToOuterDisposeScope();
    }
}
