using VideoDiffusion.Diffusion;
using static TorchSharp.torch;

namespace VideoDiffusion.Samplers;

/// <summary>
/// Euler's method on the probability-flow ODE in the coordinates of Karras et al. 2022 (Algorithm 2 without the
/// Heun correction; k-diffusion <c>sample_euler</c>): with <c>x~ = x / alpha</c> and VE sigma <c>s = sigma / alpha</c>,
/// <c>d = (x~ - x0_hat) / s</c> and <c>x~' = x~ + (s' - s) d</c>, then <c>x' = alpha' x~'</c>. Optional churn
/// (<see cref="KarrasChurn"/>) makes it stochastic.
/// </summary>
/// <remarks>
/// A step from zero SNR (alpha = 0, s = inf) has no VE coordinates; it takes the limit <c>x~' = x0_hat + s' eps_hat</c>.
/// In exact arithmetic the update equals DDIM (eta = 0) and flow Euler; the tests check it step for step.
/// </remarks>
public sealed class EulerSampler : Sampler
{
    /// <summary>Creates an Euler sampler.</summary>
    /// <param name="churn">Karras churn; null = none (deterministic).</param>
    public EulerSampler(KarrasChurn? churn = null)
    {
        Churn = churn?.Validate(nameof(churn)) ?? new KarrasChurn();
    }

    /// <summary>The churn (inactive by default).</summary>
    public KarrasChurn Churn { get; }

    /// <inheritdoc />
    public override string Name => Churn.IsActive ? "Euler(churn)" : "Euler";

    /// <inheritdoc />
    public override int Order => 1;

    /// <inheritdoc />
    public override bool IsDeterministic => !Churn.IsActive;

    private protected override Tensor StepCore(IDenoiser denoiser, Tensor x, SamplerState state, SamplingContext context) =>
        SamplerMath.KarrasEuler(denoiser, x, state, Churn, context).Next;
}
