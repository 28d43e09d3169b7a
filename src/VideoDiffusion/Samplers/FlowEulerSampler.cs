using VideoDiffusion.Diffusion;
using static TorchSharp.torch;

namespace VideoDiffusion.Samplers;

/// <summary>
/// Euler's method for flow matching / rectified flow (Liu, Gong &amp; Liu 2022, "Flow Straight and Fast"; Lipman et
/// al. 2023; Esser et al. 2024): on the rectified-flow schedule <c>x_t = (1 - t) x0 + t eps</c> the ODE is
/// <c>dx/dt = u = eps - x0</c>, and the step is <c>x' = x + (t' - t) u_hat</c> with <c>u_hat = eps_hat - x0_hat</c>.
/// </summary>
/// <remarks>
/// On any other schedule the sampler works in the flow coordinates of that schedule,
/// <c>x^ = x / (alpha + sigma)</c> and <c>t = sigma / (alpha + sigma)</c> (which make <c>x^ = (1 - t) x0 + t eps</c>),
/// so it is defined for every plan; on rectified flow <c>alpha + sigma = 1</c> and the coordinates are the identity.
/// In exact arithmetic the step equals DDIM (eta = 0); the tests check it step for step.
/// </remarks>
public sealed class FlowEulerSampler : Sampler
{
    /// <inheritdoc />
    public override string Name => "Flow Euler";

    /// <inheritdoc />
    public override int Order => 1;

    /// <inheritdoc />
    public override bool IsDeterministic => true;

    private protected override Tensor StepCore(IDenoiser denoiser, Tensor x, SamplerState state, SamplingContext context)
    {
        var level = state.Level;
        var next = state.Plan[state.StepIndex + 1];
        var d = Evaluate(denoiser, x, state);
        var scale = level.Alpha + level.Sigma;
        var scaleNext = next.Alpha + next.Sigma;
        var dt = next.Sigma / scaleNext - level.Sigma / scale;
        // x^' = x^ + dt (eps - x0), returned as x' = (alpha' + sigma') x^'.
        return SamplerMath.Combine(x, scaleNext / scale, d.Eps, scaleNext * dt, d.X0, -scaleNext * dt);
    }
}
