using VideoDiffusion.Schedules;
using static TorchSharp.torch;

namespace VideoDiffusion.Diffusion;

/// <summary>
/// The seam every sampler talks to: given a noisy sample and its noise level, estimate the clean sample and the
/// noise. Networks are adapted to it by a predictor denoiser; guidance and conditioning are decorators around it.
/// </summary>
public interface IDenoiser
{
    /// <summary>Denoises <paramref name="xt"/> (<c>[B, C, T, H, W]</c>) at <paramref name="level"/>.</summary>
    /// <param name="xt">The noisy batch; not modified, owned by the caller.</param>
    /// <param name="level">Its noise level (never the clean-data level).</param>
    /// <returns>Fresh tensors <c>(x0_hat, eps_hat)</c> with the shape, dtype and device of <paramref name="xt"/>.</returns>
    Denoised Denoise(Tensor xt, NoiseLevel level);
}
