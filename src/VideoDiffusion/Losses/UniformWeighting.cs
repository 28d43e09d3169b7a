using VideoDiffusion.Diffusion;
using static TorchSharp.torch;

namespace VideoDiffusion.Losses;

/// <summary>Weight 1 for every timestep: the "simple" objective of Ho et al. 2020 in whatever target space is trained.</summary>
public sealed class UniformWeighting : ILossWeighting
{
    /// <summary>The shared instance.</summary>
    public static UniformWeighting Instance { get; } = new();

    /// <inheritdoc />
    public string Description => "Uniform";

    /// <inheritdoc />
    public Tensor Weights(Tensor alpha, Tensor sigma, Parameterization parameterization)
    {
        ArgumentNullException.ThrowIfNull(alpha);
        return ones_like(alpha);
    }
}
