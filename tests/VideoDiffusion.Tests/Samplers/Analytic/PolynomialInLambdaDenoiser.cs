using VideoDiffusion.Diffusion;
using VideoDiffusion.Schedules;

namespace VideoDiffusion.Tests.Samplers.Analytic;

/// <summary>
/// A denoiser whose x0 estimate is a polynomial in lambda = ln(alpha / sigma), the same for every element:
/// x0(lambda) = a + b lambda + c lambda^2. The exponential integrator's solution is then closed-form:
/// x_t = (sigma_t / sigma_s) x_s + sigma_t [F(lambda_t) - F(lambda_s)] with F(l) = e^l (a - b + 2c + (b - 2c) l + c l^2),
/// so a k-th order multistep update must reproduce a step exactly when the polynomial has degree below k.
/// </summary>
internal sealed class PolynomialInLambdaDenoiser(double a, double b, double c) : IDenoiser
{
    public Denoised Denoise(Tensor xt, NoiseLevel level)
    {
        using var scope = NewDisposeScope();
        var l = level.Lambda;
        var x0 = full_like(xt, a + b * l + c * l * l);
        var eps = (xt - x0 * level.Alpha) / level.Sigma;
        return new Denoised(x0, eps).MoveToOuterDisposeScope();
    }

    /// <summary>The exact step from <paramref name="s"/> to <paramref name="t"/> of a sample with value <paramref name="x"/>.</summary>
    public double ExactStep(double x, NoiseLevel s, NoiseLevel t)
    {
        double F(double l) => Math.Exp(l) * (a - b + 2 * c + (b - 2 * c) * l + c * l * l);
        return t.Sigma / s.Sigma * x + t.Sigma * (F(t.Lambda) - F(s.Lambda));
    }
}
