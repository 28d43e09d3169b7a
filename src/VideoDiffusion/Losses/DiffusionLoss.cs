using VideoDiffusion.Diffusion;
using static TorchSharp.torch;

namespace VideoDiffusion.Losses;

/// <summary>
/// The standard diffusion loss: an element loss between the prediction and the parameterization's target
/// (<see cref="Parameterization.Target(Tensor, Tensor, Tensor, Tensor)"/>), averaged over the (masked) elements of each
/// sample, multiplied by the sample's timestep weight, then averaged over the batch:
/// <c>L = mean_b w(alpha_b, sigma_b) * mean_{i in mask_b} l(prediction_bi - target_bi)</c>.
/// With <see cref="ElementLoss.Mse"/> and <see cref="UniformWeighting"/> it is the "simple" loss of Ho et al. 2020.
/// </summary>
public sealed class DiffusionLoss : IDiffusionLoss
{
    /// <summary>Creates the loss.</summary>
    /// <param name="element">Per-element penalty; null = <see cref="ElementLoss.Mse"/>.</param>
    /// <param name="weighting">Timestep weighting; null = <see cref="UniformWeighting"/>.</param>
    public DiffusionLoss(ElementLoss? element = null, ILossWeighting? weighting = null)
    {
        Element = element ?? ElementLoss.Mse;
        Weighting = weighting ?? UniformWeighting.Instance;
    }

    /// <summary>Unweighted mean squared error against the target (Ho et al. 2020).</summary>
    public static DiffusionLoss Simple { get; } = new();

    /// <summary>The per-element penalty.</summary>
    public ElementLoss Element { get; }

    /// <summary>The timestep weighting.</summary>
    public ILossWeighting Weighting { get; }

    /// <inheritdoc />
    public string Description => $"DiffusionLoss(element={Element.Description}, weighting={Weighting.Description})";

    /// <inheritdoc />
    public Tensor PerSample(DiffusionLossInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        using var scope = NewDisposeScope();
        var (alpha, sigma) = input.ValidatedLevels();
        var target = input.Parameterization.Target(input.X0, input.Noise, alpha, sigma).detach();
        var perSample = MaskedMean.PerSample(Element.Compute(input.Prediction, target), input.Mask);
        var weights = Weighting.Weights(DiffusionLossInput.Flat(input.Alpha), DiffusionLossInput.Flat(input.Sigma), input.Parameterization);
        return (perSample * weights.to(perSample.dtype)).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public override string ToString() => Description;
}
