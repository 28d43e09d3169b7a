using VideoDiffusion.Diffusion;
using static TorchSharp.torch;

namespace VideoDiffusion.Samplers;

/// <summary>
/// Heun's second-order method (Karras et al. 2022, "Elucidating the Design Space of Diffusion-Based Generative
/// Models", Algorithm 1; with <see cref="KarrasChurn"/> Algorithm 2): in VE coordinates (<c>x~ = x / alpha</c>,
/// <c>s = sigma / alpha</c>) an Euler step <c>x~' = x~ + (s' - s) d</c>, <c>d = (x~ - x0_hat) / s</c>, then, unless s' = 0,
/// the trapezoidal correction <c>x~' = x~ + (s' - s)(d + d') / 2</c> with <c>d'</c> evaluated at the Euler point.
/// Two denoiser evaluations per step (one on the last step to data).
/// </summary>
/// <remarks>
/// A step from zero SNR (alpha = 0, s = inf) is an Euler step in its limit form: the trapezoid over an infinite
/// interval has no finite limit.
/// </remarks>
public sealed class HeunSampler : Sampler
{
    /// <summary>Creates a Heun sampler.</summary>
    /// <param name="churn">Karras churn (Algorithm 2); null = none (Algorithm 1, deterministic).</param>
    public HeunSampler(KarrasChurn? churn = null)
    {
        Churn = churn?.Validate(nameof(churn)) ?? new KarrasChurn();
    }

    /// <summary>The churn (inactive by default).</summary>
    public KarrasChurn Churn { get; }

    /// <inheritdoc />
    public override string Name => Churn.IsActive ? "Heun(churn)" : "Heun";

    /// <inheritdoc />
    public override int Order => 2;

    /// <inheritdoc />
    public override bool IsDeterministic => !Churn.IsActive;

    /// <inheritdoc />
    public override int EvaluationsPerStep => 2;

    private protected override Tensor StepCore(IDenoiser denoiser, Tensor x, SamplerState state, SamplingContext context)
    {
        var next = state.Plan[state.StepIndex + 1];
        // Algorithm 2, lines 4-8: churn, then an Euler step.
        var (euler, xTilde, slope, level) = SamplerMath.KarrasEuler(denoiser, x, state, Churn, context);
        if (xTilde is null || slope is null || next.IsData)
        {
            return euler;
        }
        var ds = next.VeSigma - level.VeSigma;
        // Lines 9-11: second-order correction with the slope at the Euler point.
        var d2 = denoiser.Denoise(euler, next);
        var (_, slope2) = SamplerMath.VeDerivative(euler, d2.X0, next);
        return SamplerMath.Combine(xTilde, next.Alpha, slope, next.Alpha * ds / 2, slope2, next.Alpha * ds / 2);
    }
}
