using System.Globalization;
using VideoDiffusion.Diffusion;
using static TorchSharp.torch;

namespace VideoDiffusion.Samplers;

/// <summary>How the second-order term of <see cref="DpmSolverPlusPlusSdeSampler"/> is formed (k-diffusion's <c>solver_type</c>).</summary>
public enum DpmSolverSdeSolverType
{
    /// <summary><c>1/2 alpha_t (1 - e^(-(1+eta)h)) (x0_s - x0_prev) / r</c> (diffusers' and k-diffusion's default).</summary>
    Midpoint,

    /// <summary><c>alpha_t (1 - (1 - e^(-(1+eta)h)) / ((1+eta)h)) (x0_s - x0_prev) / r</c>.</summary>
    Heun,
}

/// <summary>
/// DPM-Solver++(2M) SDE (Lu et al. 2022b, section 5, the second-order multistep solver of the diffusion SDE in data
/// prediction; k-diffusion <c>sample_dpmpp_2m_sde</c>, diffusers <c>sde-dpmsolver++</c>): with <c>h = lambda_t - lambda_s</c>,
/// <c>x_t = (sigma_t / sigma_s) e^(-eta h) x_s + alpha_t (1 - e^(-(1+eta)h)) x0_s + [second-order term]
/// + sigma_t sqrt(1 - e^(-2 eta h)) z</c>. eta = 1 is the reverse SDE; eta = 0 gives back DPM-Solver++(2M).
/// The first step, a step after zero SNR and the last step to clean data are first order.
/// </summary>
public sealed class DpmSolverPlusPlusSdeSampler : Sampler
{
    /// <summary>Creates the solver.</summary>
    /// <param name="eta">Stochasticity eta &gt;= 0. <value>The default value is 1.</value></param>
    /// <param name="solverType">Second-order term. <value>The default value is <see cref="DpmSolverSdeSolverType.Midpoint"/>.</value></param>
    /// <param name="lowerOrderFinal">First order on the last step of plans with fewer than 15 steps. <value>The default value is true.</value></param>
    /// <exception cref="ArgumentOutOfRangeException">eta negative or not finite; unknown solver type.</exception>
    public DpmSolverPlusPlusSdeSampler(double eta = 1.0, DpmSolverSdeSolverType solverType = DpmSolverSdeSolverType.Midpoint, bool lowerOrderFinal = true)
    {
        if (!(eta >= 0) || double.IsInfinity(eta))
        {
            throw new ArgumentOutOfRangeException(nameof(eta), eta, "Expected a finite eta >= 0.");
        }
        if (!Enum.IsDefined(solverType))
        {
            throw new ArgumentOutOfRangeException(nameof(solverType), solverType, "Unknown solver type.");
        }
        Eta = eta;
        SolverType = solverType;
        LowerOrderFinal = lowerOrderFinal;
    }

    /// <summary>The stochasticity eta.</summary>
    public double Eta { get; }

    /// <summary>The second-order term.</summary>
    public DpmSolverSdeSolverType SolverType { get; }

    /// <summary>Whether short plans end with a first-order step.</summary>
    public bool LowerOrderFinal { get; }

    /// <inheritdoc />
    public override string Name => Eta == 1 ? "DPM-Solver++(2M) SDE" : string.Create(CultureInfo.InvariantCulture, $"DPM-Solver++(2M) SDE(eta={Eta:R})");

    /// <inheritdoc />
    public override int Order => 2;

    /// <inheritdoc />
    public override bool IsDeterministic => Eta == 0;

    private protected override int HistoryLength => 2;

    private protected override Tensor StepCore(IDenoiser denoiser, Tensor x, SamplerState state, SamplingContext context)
    {
        var s = state.Level;
        var t = state.Plan[state.StepIndex + 1];
        Evaluate(denoiser, x, state);
        var order = SamplerMath.MultistepOrder(2, state.UsablePrevious(), state.StepIndex, state.Plan, LowerOrderFinal);
        var h = SamplerMath.LambdaStep(s, t);
        var etaH = Eta == 0 ? 0 : Eta * h;
        var phi = SamplerMath.Phi1(h + etaH);
        var cx = t.Sigma == 0 ? 0 : t.Sigma / s.Sigma * Math.Exp(-etaH);
        var m0 = state.History(0).X0;
        var c0 = t.Alpha * phi;
        Tensor next;
        if (order == 1)
        {
            next = SamplerMath.Combine(x, cx, m0, c0);
        }
        else
        {
            var (s1, m1) = state.History(1);
            var r = SamplerMath.LambdaStep(s1, s) / h;
            var c1 = SolverType == DpmSolverSdeSolverType.Midpoint
                ? 0.5 * t.Alpha * phi / r
                : t.Alpha * (1 - phi / (h + etaH)) / r;
            next = SamplerMath.Combine(x, cx, m0, c0 + c1, m1, -c1);
        }
        var noise = t.Sigma * Math.Sqrt(SamplerMath.Phi1(2 * etaH));
        if (noise > 0)
        {
            next.add_(context.DrawNoiseLike(x), noise);
        }
        return next;
    }
}
