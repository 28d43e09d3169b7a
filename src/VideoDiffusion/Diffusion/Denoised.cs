using static TorchSharp.torch;

namespace VideoDiffusion.Diffusion;

/// <summary>
/// A denoiser's answer at one noise level: the estimate of clean data <see cref="X0"/> and of the noise
/// <see cref="Eps"/>, with <c>x_t = alpha * X0 + sigma * Eps</c>. The caller owns both tensors.
/// </summary>
/// <param name="X0">Estimate of the clean sample, shape of x_t.</param>
/// <param name="Eps">Estimate of the noise, shape of x_t.</param>
public sealed record Denoised(Tensor X0, Tensor Eps) : IDisposable
{
    /// <summary>Moves both tensors to the enclosing dispose scope and returns this instance.</summary>
    public Denoised MoveToOuterDisposeScope()
    {
        X0.MoveToOuterDisposeScope();
        Eps.MoveToOuterDisposeScope();
        return this;
    }

    /// <summary>Disposes both tensors.</summary>
    public void Dispose()
    {
        X0.Dispose();
        Eps.Dispose();
    }
}
