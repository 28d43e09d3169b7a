using System.Globalization;
using VideoDiffusion.Diffusion;
using VideoDiffusion.Schedules;
using static TorchSharp.torch;

namespace VideoDiffusion.Samplers;

/// <summary>
/// Multistep DPM-Solver++ (Lu et al. 2022b, "DPM-Solver++: Fast Solver for Guided Sampling of Diffusion Probabilistic
/// Models", Algorithm 2 for order 2; the third-order multistep update of section 4 / appendix B, as in diffusers'
/// <c>DPMSolverMultistepScheduler</c>): an exponential integrator of the probability-flow ODE in data prediction over
/// <c>lambda = ln(alpha / sigma)</c>, reusing the x0 estimates of previous steps. Order 2 is "2M", order 3 "3M".
/// </summary>
/// <remarks>
/// The first steps warm up with lower orders; an estimate made at zero SNR (lambda = -inf) is not reused; the last
/// step to clean data (lambda = +inf) is first order (<c>x = x0_hat</c>, the exact limit); and with
/// <see cref="LowerOrderFinal"/> plans under 15 steps lower the order of their last steps.
/// <para>
/// Deviation from the reference code: the third-order term uses <c>D2 = 2 (D1_0 - D1_1) / (r0 + r1)</c>, which
/// estimates <c>h^2 x0''</c> as the coefficient <c>(e^-h - 1 + h) / h^2 - 1/2</c> requires (the Taylor term
/// <c>e^-h int_0^h e^tau tau^2 / 2 dtau = h^3 / 6 + O(h^4)</c>). The official DPM-Solver code, diffusers and
/// k-diffusion divide without the 2, which halves that term and leaves the multistep update second order: on the
/// Gaussian ODE their form converges at slope 2, this one at slope &gt;= 3, and this one is exact on x0 estimates
/// quadratic in lambda (docs/samplers.md). Results therefore differ from diffusers' <c>solver_order=3</c> by the size
/// of that term.
/// </para>
/// </remarks>
public sealed class DpmSolverPlusPlusSampler : Sampler
{
    /// <summary>Creates the solver.</summary>
    /// <param name="order">Multistep order 1, 2 or 3. <value>The default value is 2 (DPM-Solver++(2M)).</value></param>
    /// <param name="lowerOrderFinal">Lower the order of the last steps of plans with fewer than 15 steps (diffusers'
    /// <c>lower_order_final</c>). <value>The default value is true.</value></param>
    /// <exception cref="ArgumentOutOfRangeException">order is not 1, 2 or 3.</exception>
    public DpmSolverPlusPlusSampler(int order = 2, bool lowerOrderFinal = true)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(order, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(order, 3);
        SolverOrder = order;
        LowerOrderFinal = lowerOrderFinal;
    }

    /// <summary>The multistep order (1, 2 or 3).</summary>
    public int SolverOrder { get; }

    /// <summary>Whether short plans end with lower-order steps.</summary>
    public bool LowerOrderFinal { get; }

    /// <inheritdoc />
    public override string Name => string.Create(CultureInfo.InvariantCulture, $"DPM-Solver++({SolverOrder}M)");

    /// <inheritdoc />
    public override int Order => SolverOrder;

    /// <inheritdoc />
    public override bool IsDeterministic => true;

    private protected override int HistoryLength => SolverOrder;

    private protected override Tensor StepCore(IDenoiser denoiser, Tensor x, SamplerState state, SamplingContext context)
    {
        Evaluate(denoiser, x, state);
        var order = SamplerMath.MultistepOrder(SolverOrder, state.UsablePrevious(), state.StepIndex, state.Plan, LowerOrderFinal);
        return Update(x, state, state.Plan[state.StepIndex + 1], order);
    }

    /// <summary>
    /// The update from the state's level s0 to <paramref name="t"/> with the newest estimates <c>m0, m1, m2</c> at
    /// <c>s0, s1, s2</c>:
    /// <c>x_t = (sigma_t / sigma_s0) x - alpha_t (e^-h - 1) D0 + alpha_t ((e^-h - 1) / h + 1) D1 - alpha_t ((e^-h - 1 + h) / h^2 - 1/2) D2</c>,
    /// where <c>r0 = h0 / h</c>, <c>r1 = h1 / h</c>, <c>D1_0 = (m0 - m1) / r0</c>, <c>D1_1 = (m1 - m2) / r1</c>,
    /// <c>D1 = D1_0 + r0 / (r0 + r1) (D1_0 - D1_1)</c>, <c>D2 = 2 (D1_0 - D1_1) / (r0 + r1)</c> for order 3, and
    /// <c>x_t = (sigma_t / sigma_s0) x + alpha_t (1 - e^-h) ((1 + 1 / (2 r0)) m0 - 1 / (2 r0) m1)</c> for order 2.
    /// Expanded into one linear combination of x, m0, m1, m2 with host-side coefficients.
    /// </summary>
    private static Tensor Update(Tensor x, SamplerState state, NoiseLevel t, int order)
    {
        var (s0, m0) = state.History(0);
        var (cx, c0) = SamplerMath.FirstOrder(s0, t);
        if (order == 1)
        {
            return SamplerMath.Combine(x, cx, m0, c0);
        }
        var h = SamplerMath.LambdaStep(s0, t);
        var (s1, m1) = state.History(1);
        var r0 = SamplerMath.LambdaStep(s1, s0) / h;
        if (order == 2)
        {
            return SamplerMath.Combine(x, cx, m0, c0 * (1 + 1 / (2 * r0)), m1, -c0 / (2 * r0));
        }
        var (s2, m2) = state.History(2);
        var r1 = SamplerMath.LambdaStep(s2, s1) / h;
        var phi1 = SamplerMath.Phi1(h);
        var cD0 = t.Alpha * phi1;
        var cD1 = t.Alpha * (1 - phi1 / h);
        var cD2 = -t.Alpha * ((h - phi1) / (h * h) - 0.5);
        // D2 estimates h^2 x0'' (as in the singlestep DPM-Solver-3), hence the factor 2; see the class remarks.
        double a = 1 / r0, b = 1 / r1, k = r0 / (r0 + r1), q = 2 / (r0 + r1);
        return SamplerMath.Combine(
            new SamplerMath.Term(x, cx),
            new SamplerMath.Term(m0, cD0 + cD1 * (1 + k) * a + cD2 * q * a),
            new SamplerMath.Term(m1, -cD1 * ((1 + k) * a + k * b) - cD2 * q * (a + b)),
            new SamplerMath.Term(m2, cD1 * k * b + cD2 * q * b));
    }
}
