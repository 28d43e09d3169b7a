using System.Globalization;
using VideoDiffusion.Diffusion;
using static TorchSharp.torch;
using VideoDiffusion.Internal;

namespace VideoDiffusion.Losses;

/// <summary>
/// Min-SNR-gamma weighting (Hang et al. 2023, "Efficient Diffusion Training via Min-SNR Weighting Strategy", eq. 9 and
/// table 1): the loss in x0 space is weighted by <c>min(SNR, gamma)</c>, with <c>SNR = alpha^2 / sigma^2</c>. Written
/// for the trained target (see <see cref="TargetScale"/>), that is <c>min(alpha^2, gamma sigma^2) / D^2</c>:
/// <list type="bullet">
/// <item>epsilon: <c>min(SNR, gamma) / SNR</c>;</item>
/// <item>x0: <c>min(SNR, gamma)</c>;</item>
/// <item>v: <c>min(SNR, gamma) / (SNR + 1)</c> for variance-preserving schedules (in general <c>min(SNR, gamma) sigma^2 / (alpha^2 + sigma^2)^2</c>);</item>
/// <item>flow velocity: <c>min(SNR, gamma) sigma^2 / (alpha + sigma)^2</c>.</item>
/// </list>
/// The limits are taken exactly: epsilon at SNR = 0 gets 1, x0 at SNR = infinity gets gamma.
/// </summary>
public sealed class MinSnrWeighting : ILossWeighting
{
    /// <summary>Creates the weighting.</summary>
    /// <param name="gamma">The SNR cap gamma &gt; 0. <value>The default value is 5, the paper's choice.</value></param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="gamma"/> is not a finite positive number.</exception>
    public MinSnrWeighting(double gamma = 5.0)
    {
        Gamma = LossArguments.Positive(gamma, nameof(gamma));
    }

    /// <summary>The SNR cap gamma.</summary>
    public double Gamma { get; }

    /// <inheritdoc />
    public string Description => string.Format(CultureInfo.InvariantCulture, "MinSnr(gamma={0:R})", Gamma);

    /// <inheritdoc />
    public Tensor Weights(Tensor alpha, Tensor sigma, Parameterization parameterization) =>
        TargetScale.Weigh(alpha, sigma, parameterization, (a2, s2, kind) => kind switch
        {
            ParameterizationKind.Epsilon => (s2.MulScalar(Gamma) / a2).clamp_max(1.0),
            ParameterizationKind.Sample => (a2 / s2).clamp_max(Gamma),
            _ => minimum(a2, s2.MulScalar(Gamma)) / TargetScale.DenominatorSquared(alpha, sigma, kind),
        });
}
