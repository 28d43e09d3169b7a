using VideoDiffusion.Diffusion;
using VideoDiffusion.Schedules;

namespace VideoDiffusion.Tests.Samplers.Analytic;

/// <summary>
/// The exact denoiser for data N(mu, s^2 I): x_t ~ N(alpha mu, (alpha^2 s^2 + sigma^2) I), so
/// x0_hat = mu + alpha s^2 / (alpha^2 s^2 + sigma^2) (x_t - alpha mu) and eps_hat = sigma (x_t - alpha mu) / (alpha^2 s^2 + sigma^2).
/// </summary>
internal sealed class GaussianDenoiser(double mu, double s) : IDenoiser
{
    public double Mu { get; } = mu;

    public double S { get; } = s;

    public int Calls { get; private set; }

    public Denoised Denoise(Tensor xt, NoiseLevel level)
    {
        Calls++;
        using var scope = NewDisposeScope();
        var v = level.Alpha * level.Alpha * S * S + level.Sigma * level.Sigma;
        var centred = xt - level.Alpha * Mu;
        var x0 = centred * (level.Alpha * S * S / v) + Mu;
        var eps = centred * (level.Sigma / v);
        return new Denoised(x0, eps).MoveToOuterDisposeScope();
    }

    /// <summary>A draw of the marginal at <paramref name="level"/> from standard normal <paramref name="z"/>.</summary>
    public Tensor Marginal(Tensor z, NoiseLevel level) =>
        z * Math.Sqrt(level.Alpha * level.Alpha * S * S + level.Sigma * level.Sigma) + level.Alpha * Mu;

    /// <summary>
    /// The probability-flow ODE map from x at <paramref name="from"/> to <paramref name="to"/>: z is preserved,
    /// x_to = alpha_to mu + sqrt(alpha_to^2 s^2 + sigma_to^2) z with z = (x - alpha_from mu) / sqrt(alpha_from^2 s^2 + sigma_from^2).
    /// </summary>
    public Tensor ExactMap(Tensor x, NoiseLevel from, NoiseLevel to)
    {
        using var scope = NewDisposeScope();
        var z = (x - from.Alpha * Mu) / Math.Sqrt(from.Alpha * from.Alpha * S * S + from.Sigma * from.Sigma);
        return Marginal(z, to).MoveToOuterDisposeScope();
    }
}
