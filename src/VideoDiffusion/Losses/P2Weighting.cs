using System.Globalization;
using VideoDiffusion.Diffusion;
using static TorchSharp.torch;

namespace VideoDiffusion.Losses;

/// <summary>
/// Perception-prioritized (P2) weighting (Choi et al. 2022, "Perception Prioritized Training of Diffusion Models",
/// eq. 8): the epsilon mean squared error is weighted by <c>1 / (k + SNR)^gamma</c>, which lowers the weight of the
/// nearly clean timesteps. Written for the trained target (see <see cref="TargetScale"/>) the weight is
/// <c>alpha^2 / D^2 / (k + SNR)^gamma</c>, computed as <c>alpha^2 sigma^(2 gamma) / (D^2 (k sigma^2 + alpha^2)^gamma)</c> so
/// that it stays finite at zero SNR; for epsilon prediction it is exactly <c>1 / (k + SNR)^gamma</c>, for x0 prediction
/// <c>SNR / (k + SNR)^gamma</c>.
/// </summary>
public sealed class P2Weighting : ILossWeighting
{
    /// <summary>Creates the weighting.</summary>
    /// <param name="gamma">The exponent gamma &gt;= 0 (0 = the unweighted epsilon loss). <value>The default value is 1, the paper's choice.</value></param>
    /// <param name="k">The offset k &gt; 0 that bounds the weight by <c>k^-gamma</c>. <value>The default value is 1, the paper's choice.</value></param>
    /// <exception cref="ArgumentOutOfRangeException">gamma is negative or k not positive, or either is not finite.</exception>
    public P2Weighting(double gamma = 1.0, double k = 1.0)
    {
        Gamma = LossArguments.NonNegative(gamma, nameof(gamma));
        K = LossArguments.Positive(k, nameof(k));
    }

    /// <summary>The exponent gamma.</summary>
    public double Gamma { get; }

    /// <summary>The offset k.</summary>
    public double K { get; }

    /// <inheritdoc />
    public string Description => string.Format(CultureInfo.InvariantCulture, "P2(gamma={0:R}, k={1:R})", Gamma, K);

    /// <inheritdoc />
    public Tensor Weights(Tensor alpha, Tensor sigma, Parameterization parameterization) =>
        TargetScale.Weigh(alpha, sigma, parameterization, (a2, s2, kind) =>
        {
            // (k + SNR)^-gamma = sigma^(2 gamma) / (k sigma^2 + alpha^2)^gamma.
            var denominator = (K * s2 + a2).pow(Gamma);
            return kind switch
            {
                ParameterizationKind.Epsilon => s2.pow(Gamma) / denominator,
                // alpha^2 / sigma^2 * sigma^(2 gamma): one power of sigma^2 cancels.
                ParameterizationKind.Sample => a2 * s2.pow(Gamma - 1) / denominator,
                _ => a2 * s2.pow(Gamma) / (TargetScale.DenominatorSquared(alpha, sigma, kind) * denominator),
            };
        });
}
