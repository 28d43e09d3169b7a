using System.Globalization;
using static TorchSharp.torch;

namespace VideoDiffusion.Losses;

/// <summary>
/// The seed article's composite loss, read correctly: a reconstruction term on the clean-data estimate plus lambda times
/// a noise term, <c>L = mean_b [ l(x0_hat - x0) + lambda l(eps_hat - eps) ]</c>, where <c>(x0_hat, eps_hat)</c> come
/// from the prediction through the parameterization (<see cref="Diffusion.Parameterization.ToDenoised(Tensor, Tensor, Tensor, Tensor)"/>)
/// and each term is averaged over the (masked) elements of a sample. With epsilon prediction the reconstruction term
/// equals <c>1/SNR</c> times the noise term, so it stresses the noisy timesteps; keep alpha away from 0 (no zero terminal SNR).
/// </summary>
public sealed class ReconstructionNoiseLoss : IDiffusionLoss
{
    /// <summary>Creates the loss.</summary>
    /// <param name="lambda">Weight of the noise term, &gt;= 0. <value>The default value is 1.</value></param>
    /// <param name="element">Per-element penalty of both terms; null = <see cref="ElementLoss.Mse"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="lambda"/> is negative or not finite.</exception>
    public ReconstructionNoiseLoss(double lambda = 1.0, ElementLoss? element = null)
    {
        Lambda = LossArguments.NonNegative(lambda, nameof(lambda));
        Element = element ?? ElementLoss.Mse;
    }

    /// <summary>Weight of the noise term.</summary>
    public double Lambda { get; }

    /// <summary>The per-element penalty of both terms.</summary>
    public ElementLoss Element { get; }

    /// <inheritdoc />
    public string Description => string.Format(CultureInfo.InvariantCulture, "ReconstructionNoiseLoss(lambda={0:R}, element={1})", Lambda, Element.Description);

    /// <inheritdoc />
    public Tensor PerSample(DiffusionLossInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        using var scope = NewDisposeScope();
        var (alpha, sigma) = input.ValidatedLevels();
        using var denoised = input.Parameterization.ToDenoised(input.Prediction, input.Xt, alpha, sigma);
        var reconstruction = MaskedMean.PerSample(Element.Compute(denoised.X0, input.X0), input.Mask);
        var noise = MaskedMean.PerSample(Element.Compute(denoised.Eps, input.Noise), input.Mask);
        return (reconstruction + Lambda * noise).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public override string ToString() => Description;
}
