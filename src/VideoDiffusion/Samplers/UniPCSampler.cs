using System.Globalization;
using VideoDiffusion.Diffusion;
using static TorchSharp.torch;

namespace VideoDiffusion.Samplers;

/// <summary>The function <c>B(h)</c> of UniPC (Zhao et al. 2023, section 3.2).</summary>
public enum UniPCVariant
{
    /// <summary><c>B(h) = h</c>.</summary>
    Bh1,

    /// <summary><c>B(h) = e^h - 1</c> (the paper's choice for guided sampling and diffusers' default).</summary>
    Bh2,
}

/// <summary>
/// UniPC (Zhao, Bai, Rao, Zhou &amp; Lu 2023, "UniPC: A Unified Predictor-Corrector Framework for Fast Sampling of
/// Diffusion Models", Algorithms 1–3 with data prediction): the multistep predictor UniP-p and, after each new
/// evaluation, the corrector UniC-p, which reuses that evaluation (no extra cost) and raises the order to p + 1.
/// The update (predictor) is
/// <c>x_t = (sigma_t / sigma_s0) x - alpha_t (e^-h - 1) m0 - alpha_t B(-h) sum_k rho_k (m_k - m0) / r_k</c> with
/// <c>r_k = (lambda_k - lambda_s0) / h</c> and rho from the order conditions <c>R rho = b</c> (rho = 1/2 for p = 2);
/// the corrector replaces the rho by those of a system that includes the new evaluation.
/// </summary>
/// <remarks>
/// The corrector is applied as a difference to the sample the previous step returned, so a callback's replacement
/// of the sample is kept. No correction follows a step from zero SNR (infinite h) or the last step of the plan. The
/// last step to clean data is first order. With <see cref="LowerOrderFinal"/>, plans under 15 steps also lower the
/// order of their last steps (diffusers does so on every plan).
/// </remarks>
public sealed class UniPCSampler : Sampler
{
    /// <summary>Creates the sampler.</summary>
    /// <param name="order">Predictor order p in 1 … 3. <value>The default value is 2.</value></param>
    /// <param name="variant">The function B(h). <value>The default value is <see cref="UniPCVariant.Bh2"/>.</value></param>
    /// <param name="useCorrector">Apply UniC after each step. <value>The default value is true.</value></param>
    /// <param name="lowerOrderFinal">Lower the order of the last steps of plans under 15 steps. <value>The default value is true.</value></param>
    /// <exception cref="ArgumentOutOfRangeException">order outside 1 … 3; unknown variant.</exception>
    public UniPCSampler(int order = 2, UniPCVariant variant = UniPCVariant.Bh2, bool useCorrector = true, bool lowerOrderFinal = true)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(order, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(order, 3);
        if (!Enum.IsDefined(variant))
        {
            throw new ArgumentOutOfRangeException(nameof(variant), variant, "Unknown UniPC variant.");
        }
        SolverOrder = order;
        Variant = variant;
        UseCorrector = useCorrector;
        LowerOrderFinal = lowerOrderFinal;
    }

    /// <summary>The predictor order p.</summary>
    public int SolverOrder { get; }

    /// <summary>The function B(h).</summary>
    public UniPCVariant Variant { get; }

    /// <summary>Whether UniC corrects each step.</summary>
    public bool UseCorrector { get; }

    /// <summary>Whether short plans end with lower-order steps.</summary>
    public bool LowerOrderFinal { get; }

    /// <inheritdoc />
    public override string Name => string.Create(CultureInfo.InvariantCulture,
        $"{(UseCorrector ? "UniPC" : "UniP")}({Variant.ToString().ToLowerInvariant()}, p={SolverOrder})");

    /// <inheritdoc />
    public override int Order => UseCorrector ? SolverOrder + 1 : SolverOrder;

    /// <inheritdoc />
    public override bool IsDeterministic => true;

    private protected override int HistoryLength => SolverOrder + 1;

    private protected override Tensor StepCore(IDenoiser denoiser, Tensor x, SamplerState state, SamplingContext context)
    {
        Evaluate(denoiser, x, state);
        Tensor? corrected = null;
        if (UseCorrector && state.StepIndex > 0)
        {
            corrected = Correct(x, state);
        }
        var order = SamplerMath.MultistepOrder(SolverOrder, state.UsablePrevious(), state.StepIndex, state.Plan, LowerOrderFinal);
        state.LastOrder = order;
        return Predict(corrected ?? x, state, state.Plan[state.StepIndex + 1], order);
    }

    /// <summary>UniP-p from the newest estimate's level to <paramref name="t"/> (Algorithm 2).</summary>
    private Tensor Predict(Tensor x, SamplerState state, Schedules.NoiseLevel t, int order)
    {
        var (s0, m0) = state.History(0);
        var (cx, c0) = SamplerMath.FirstOrder(s0, t);
        if (order == 1)
        {
            return SamplerMath.Combine(x, cx, m0, c0);
        }
        var h = SamplerMath.LambdaStep(s0, t);
        var r = Ratios(state, 0, order, h);
        var (bh, rhs, matrix) = OrderConditions(h, r);
        var rho = order == 2 ? [0.5] : SamplerMath.Solve(Minor(matrix, order - 1), rhs[..(order - 1)]);
        var terms = new SamplerMath.Term[order + 1];
        terms[0] = new(x, cx);
        var m0Coefficient = c0;
        for (var k = 1; k < order; k++)
        {
            var c = -t.Alpha * bh * rho[k - 1] / r[k - 1];
            terms[k + 1] = new(state.History(k).X0, c);
            m0Coefficient -= c;
        }
        terms[1] = new(m0, m0Coefficient);
        return SamplerMath.Combine(terms);
    }

    /// <summary>
    /// UniC-p for the previous step (Algorithm 3), as the difference <c>x_c - x_p</c> between the corrected and the
    /// predicted sample added to <paramref name="x"/>; null when no correction applies.
    /// </summary>
    private Tensor? Correct(Tensor x, SamplerState state)
    {
        var order = state.LastOrder;
        var (s0, mt) = state.History(0);
        var (sPrev, mPrev) = state.History(1);
        var h = SamplerMath.LambdaStep(sPrev, s0);
        if (!double.IsFinite(h))
        {
            return null;
        }
        var r = Ratios(state, 1, order, h);
        var (bh, rhs, matrix) = OrderConditions(h, r);
        var rhoC = order == 1 ? [0.5] : SamplerMath.Solve(matrix, rhs);
        var rhoP = order switch
        {
            1 => [],
            2 => [0.5],
            _ => SamplerMath.Solve(Minor(matrix, order - 1), rhs[..(order - 1)]),
        };
        // x_c - x_p = -alpha B(h) [sum_k (rhoC_k - rhoP_k) D1_k + rhoC_p (m_t - m_prev)],  D1_k = (m_k - m_prev) / r_k.
        var scale = -s0.Alpha * bh;
        var terms = new SamplerMath.Term[order + 2];
        terms[0] = new(x, 1);
        terms[1] = new(mt, scale * rhoC[order - 1]);
        var prevCoefficient = -scale * rhoC[order - 1];
        for (var k = 1; k < order; k++)
        {
            var c = scale * (rhoC[k - 1] - rhoP[k - 1]) / r[k - 1];
            terms[k + 2] = new(state.History(k + 1).X0, c);
            prevCoefficient -= c;
        }
        terms[2] = new(mPrev, prevCoefficient);
        return SamplerMath.Combine(terms);
    }

    /// <summary><c>r_k = (lambda_k - lambda_base) / h</c> for the history entries after <paramref name="baseIndex"/>, then 1.</summary>
    private static double[] Ratios(SamplerState state, int baseIndex, int order, double h)
    {
        var lambdaBase = state.History(baseIndex).Level.Lambda;
        var r = new double[order];
        for (var k = 1; k < order; k++)
        {
            r[k - 1] = (state.History(baseIndex + k).Level.Lambda - lambdaBase) / h;
        }
        r[order - 1] = 1;
        return r;
    }

    /// <summary>
    /// B(h) and the order conditions of UniPC's data-prediction form (diffusers' <c>multistep_uni_p_bh_update</c>):
    /// with <c>hh = -h</c>, <c>phi_1 = e^hh - 1</c>, <c>phi_(k+1) = phi_k / hh - 1/(k+1)!</c> starting from
    /// <c>phi_1 / hh - 1</c>: <c>b_i = phi_i i! / B(hh)</c> and <c>R_ij = r_j^(i-1)</c>.
    /// </summary>
    private (double Bh, double[] Rhs, double[,] Matrix) OrderConditions(double h, double[] r)
    {
        var n = r.Length;
        var hh = -h;
        var bh = Variant == UniPCVariant.Bh1 ? hh : double.ExpM1(hh);
        var phi = double.ExpM1(hh) / hh - 1;
        var factorial = 1.0;
        var rhs = new double[n];
        var matrix = new double[n, n];
        for (var i = 1; i <= n; i++)
        {
            for (var j = 0; j < n; j++)
            {
                matrix[i - 1, j] = Math.Pow(r[j], i - 1);
            }
            rhs[i - 1] = phi * factorial / bh;
            factorial *= i + 1;
            phi = phi / hh - 1 / factorial;
        }
        return (bh, rhs, matrix);
    }

    private static double[,] Minor(double[,] m, int n)
    {
        var result = new double[n, n];
        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j < n; j++)
            {
                result[i, j] = m[i, j];
            }
        }
        return result;
    }
}
