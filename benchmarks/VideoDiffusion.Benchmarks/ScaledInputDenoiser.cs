using VideoDiffusion.Diffusion;
using VideoDiffusion.Schedules;
using static TorchSharp.torch;

namespace VideoDiffusion.Benchmarks;

/// <summary>
/// The cheapest meaningful denoiser: the exact posterior mean for standard-normal data,
/// <c>x0_hat = alpha / (alpha^2 + sigma^2) x_t</c> and <c>eps_hat = sigma / (alpha^2 + sigma^2) x_t</c> — two scalings of
/// the input, so a sampler benchmark with it measures the cost of the loop around the network.
/// </summary>
internal sealed class ScaledInputDenoiser : IDenoiser
{
    /// <inheritdoc />
    public Denoised Denoise(Tensor xt, NoiseLevel level)
    {
        var norm = level.Alpha * level.Alpha + level.Sigma * level.Sigma;
        return new Denoised(xt.mul(level.Alpha / norm), xt.mul(level.Sigma / norm));
    }
}
