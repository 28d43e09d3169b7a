using VideoDiffusion.Diffusion;
using VideoDiffusion.Predictors;
using VideoDiffusion.Schedules;
using static TorchSharp.torch;

namespace VideoDiffusion.Samplers;

/// <summary>
/// A denoiser that takes its conditioning per call, so that a guidance decorator can evaluate several conditionings —
/// in one batched forward pass where it concatenates them along the batch.
/// </summary>
public interface IConditionalDenoiser
{
    /// <summary>Denoises <paramref name="xt"/> <c>[B, C, T, H, W]</c> at <paramref name="level"/> under <paramref name="conditioning"/>.</summary>
    /// <param name="xt">The noisy batch; not modified, owned by the caller.</param>
    /// <param name="level">Its noise level (sigma &gt; 0).</param>
    /// <param name="conditioning">Conditioning whose tensors have batch size B.</param>
    /// <returns>Fresh <c>(x0_hat, eps_hat)</c> shaped like <paramref name="xt"/>.</returns>
    Denoised Denoise(Tensor xt, NoiseLevel level, Conditioning conditioning);
}
