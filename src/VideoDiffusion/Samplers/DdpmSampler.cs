using VideoDiffusion.Diffusion;
using static TorchSharp.torch;

namespace VideoDiffusion.Samplers;

/// <summary>The variance of a DDPM ancestral step (Ho et al. 2020, section 3.2).</summary>
public enum DdpmVariance
{
    /// <summary>The posterior variance <c>beta~_t</c> ("fixed_small"): exact when the data is a single point.</summary>
    Small,

    /// <summary>The forward variance <c>beta_t</c> ("fixed_large"): an upper bound, exact for N(0, I) data; no noise on the last step to data.</summary>
    Large,
}

/// <summary>
/// DDPM ancestral sampling (Ho, Jain &amp; Abbeel 2020, Algorithm 2): <c>x_t ~ N(mu(x_s, x0_hat), var I)</c>, the
/// Gaussian posterior <c>q(x_t | x_s, x0 = x0_hat)</c> (eq. 6–7) written for general <c>(alpha, sigma)</c> and for
/// skipped steps: <c>mu = a sigma_t^2 / sigma_s^2 x_s + alpha_t b^2 / sigma_s^2 x0_hat</c> with
/// <c>a = alpha_s / alpha_t</c>, <c>b^2 = sigma_s^2 - a^2 sigma_t^2</c>; <c>var = sigma_t^2 b^2 / sigma_s^2</c>
/// (<see cref="DdpmVariance.Small"/>) or <c>b^2</c> (<see cref="DdpmVariance.Large"/>).
/// </summary>
public sealed class DdpmSampler : Sampler
{
    /// <summary>Creates a DDPM sampler.</summary>
    /// <param name="variance">Which variance to use. <value>The default value is <see cref="DdpmVariance.Small"/>.</value></param>
    /// <exception cref="ArgumentOutOfRangeException">Unknown variance.</exception>
    public DdpmSampler(DdpmVariance variance = DdpmVariance.Small)
    {
        if (!Enum.IsDefined(variance))
        {
            throw new ArgumentOutOfRangeException(nameof(variance), variance, "Unknown DDPM variance.");
        }
        Variance = variance;
    }

    /// <summary>The variance choice.</summary>
    public DdpmVariance Variance { get; }

    /// <inheritdoc />
    public override string Name => Variance == DdpmVariance.Small ? "DDPM" : "DDPM(large variance)";

    /// <inheritdoc />
    public override int Order => 1;

    /// <inheritdoc />
    public override bool IsDeterministic => false;

    private protected override Tensor StepCore(IDenoiser denoiser, Tensor x, SamplerState state, SamplingContext context)
    {
        var s = state.Level;
        var t = state.Plan[state.StepIndex + 1];
        var d = Evaluate(denoiser, x, state);
        var (cx, c0, small, large) = SamplerMath.Posterior(s, t);
        // Algorithm 2, line 4: no noise on the last step (t = data, where both variances are 0 but for "large").
        var variance = t.IsData ? 0 : Variance == DdpmVariance.Small ? small : large;
        if (variance == 0)
        {
            return SamplerMath.Combine(x, cx, d.X0, c0);
        }
        var z = context.DrawNoiseLike(x);
        return SamplerMath.Combine(x, cx, d.X0, c0, z, Math.Sqrt(variance));
    }
}
