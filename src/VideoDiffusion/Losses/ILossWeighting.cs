using VideoDiffusion.Diffusion;
using static TorchSharp.torch;

namespace VideoDiffusion.Losses;

/// <summary>
/// A timestep weighting <c>w(t)</c> of the per-sample loss, as a function of the noise level and of what the network
/// predicts (the same weighting in x0 space is a different factor on an epsilon-, x0-, v- or flow-target loss).
/// Implementations are immutable.
/// </summary>
public interface ILossWeighting
{
    /// <summary>The weight of every sample.</summary>
    /// <param name="alpha">Per-sample signal scale <c>[B]</c>.</param>
    /// <param name="sigma">Per-sample noise scale <c>[B]</c>.</param>
    /// <param name="parameterization">What the loss compares (its target).</param>
    /// <returns>Weights <c>[B]</c>, dtype and device of <paramref name="alpha"/>; not differentiated through.</returns>
    Tensor Weights(Tensor alpha, Tensor sigma, Parameterization parameterization);

    /// <summary>A short description with every parameter.</summary>
    string Description { get; }
}
