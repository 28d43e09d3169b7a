using System.Globalization;
using VideoDiffusion.Diffusion;
using static TorchSharp.torch;

namespace VideoDiffusion.Samplers;

/// <summary>
/// DDIM (Song, Meng &amp; Ermon 2021, "Denoising Diffusion Implicit Models", eq. 12):
/// <c>x_t = alpha_t x0_hat + sqrt(sigma_t^2 - v) eps_hat + sqrt(v) z</c> with
/// <c>v = eta^2 * sigma_t^2 / sigma_s^2 * (sigma_s^2 - (alpha_s / alpha_t)^2 sigma_t^2)</c>, the DDPM posterior
/// variance scaled by eta^2 (eq. 16). eta = 0 is the deterministic first-order solver of the probability-flow ODE;
/// eta = 1 is ancestral sampling with the DDPM posterior.
/// </summary>
/// <remarks>Written over <c>(alpha, sigma)</c>: valid for VP and rectified-flow plans, and at zero SNR (alpha_s = 0).</remarks>
public sealed class DdimSampler : Sampler
{
    /// <summary>Creates a DDIM sampler.</summary>
    /// <param name="eta">Noise scale eta in [0, 1]. <value>The default value is 0 (deterministic).</value></param>
    /// <exception cref="ArgumentOutOfRangeException">eta is outside [0, 1].</exception>
    public DdimSampler(double eta = 0)
    {
        Eta = SamplerMath.RequireUnitInterval(eta, nameof(eta));
    }

    /// <summary>The noise scale eta.</summary>
    public double Eta { get; }

    /// <inheritdoc />
    public override string Name => Eta == 0 ? "DDIM" : string.Create(CultureInfo.InvariantCulture, $"DDIM(eta={Eta:R})");

    /// <inheritdoc />
    public override int Order => 1;

    /// <inheritdoc />
    public override bool IsDeterministic => Eta == 0;

    private protected override Tensor StepCore(IDenoiser denoiser, Tensor x, SamplerState state, SamplingContext context)
    {
        var s = state.Level;
        var t = state.Plan[state.StepIndex + 1];
        var d = Evaluate(denoiser, x, state);
        // (1) eq. 16: sigma_t(eta)^2 = eta^2 * posterior variance.
        var variance = Eta * Eta * SamplerMath.Posterior(s, t).Variance;
        // (2) eq. 12: "predicted x0" + "direction pointing to x_t" (+ random noise).
        var direction = Math.Sqrt(Math.Max(0, t.Sigma * t.Sigma - variance));
        if (variance == 0)
        {
            return SamplerMath.Combine(d.X0, t.Alpha, d.Eps, direction);
        }
        var z = context.DrawNoiseLike(x);
        return SamplerMath.Combine(d.X0, t.Alpha, d.Eps, direction, z, Math.Sqrt(variance));
    }
}
