using VideoDiffusion.Diffusion;
using VideoDiffusion.Schedules;
using static TorchSharp.torch;

namespace VideoDiffusion.Samplers;

/// <summary>
/// The maths the samplers share, written over <c>(alpha, sigma)</c> of the plan's noise levels so that every update
/// holds for variance-preserving and rectified-flow schedules alike. Coefficients are computed in double on the host
/// (no device synchronisation); tensors are combined with one allocation per result.
/// </summary>
/// <remarks>
/// Conventions: a step goes from level <c>s</c> (noisier) to level <c>t</c> (cleaner);
/// <c>lambda = ln(alpha / sigma)</c> is <c>-inf</c> at zero SNR (alpha = 0) and <c>+inf</c> at clean data (sigma = 0);
/// <c>h = lambda_t - lambda_s</c> is then <c>+inf</c>, and every formula below is written so that its limit is taken
/// exactly instead of dividing by alpha = 0.
/// </remarks>
internal static class SamplerMath
{
    /// <summary>A term of a linear combination.</summary>
    internal readonly record struct Term(Tensor Tensor, double Coefficient);

    /// <summary>
    /// <c>sum_k c_k * t_k</c> as one fresh tensor: the first non-zero term is multiplied, the others are added in place.
    /// Zero coefficients are skipped (so an infinite or NaN tensor behind a zero weight does not leak in).
    /// </summary>
    public static Tensor Combine(params ReadOnlySpan<Term> terms)
    {
        Tensor? acc = null;
        foreach (var (tensor, c) in terms)
        {
            if (c == 0)
            {
                continue;
            }
            if (acc is null)
            {
                acc = tensor.mul(c);
            }
            else
            {
                acc.add_(tensor, c);
            }
        }
        return acc ?? zeros_like(terms[0].Tensor);
    }

    /// <summary>Shorthand for a two-term <see cref="Combine(ReadOnlySpan{Term})"/>.</summary>
    public static Tensor Combine(Tensor a, double ca, Tensor b, double cb) => Combine(new Term(a, ca), new Term(b, cb));

    /// <summary>Shorthand for a three-term <see cref="Combine(ReadOnlySpan{Term})"/>.</summary>
    public static Tensor Combine(Tensor a, double ca, Tensor b, double cb, Tensor c, double cc) =>
        Combine(new Term(a, ca), new Term(b, cb), new Term(c, cc));

    /// <summary>The noise implied by <c>x_t</c> and an estimate of x0: <c>eps = (x_t - alpha x0) / sigma</c> (sigma &gt; 0).</summary>
    public static Tensor EpsFromX0(Tensor xt, Tensor x0, NoiseLevel level) =>
        Combine(xt, 1 / level.Sigma, x0, -level.Alpha / level.Sigma);

    /// <summary>The step <c>h = lambda_t - lambda_s</c> in half log-SNR; <c>+inf</c> from zero SNR or to clean data.</summary>
    public static double LambdaStep(NoiseLevel s, NoiseLevel t) => t.Lambda - s.Lambda;

    /// <summary><c>phi_1(h) = 1 - e^(-h)</c> (computed with expm1), 1 at <c>h = +inf</c>.</summary>
    public static double Phi1(double h) => -double.ExpM1(-h);

    /// <summary>
    /// The first-order data-prediction step (DDIM with eta = 0; DPM-Solver++ 1; Lu et al. 2022b eq. 8):
    /// <c>x_t = (sigma_t / sigma_s) x_s + alpha_t (1 - e^(-h)) x0</c>. Returns the coefficients of x_s and x0.
    /// At zero SNR they are <c>(sigma_t / sigma_s, alpha_t)</c>; to clean data <c>(0, 1)</c>.
    /// </summary>
    public static (double X, double X0) FirstOrder(NoiseLevel s, NoiseLevel t) =>
        (t.Sigma / s.Sigma, t.Alpha * Phi1(LambdaStep(s, t)));

    /// <summary>
    /// The Gaussian posterior <c>q(x_t | x_s, x0) = N(cx x_s + c0 x0, var I)</c> of a forward process with marginals
    /// <c>N(alpha x0, sigma^2 I)</c> (Ho et al. 2020 eq. 6–7; Kingma et al. 2021 appendix A for general alpha, sigma).
    /// With <c>a = alpha_s / alpha_t</c> and <c>b^2 = sigma_s^2 - a^2 sigma_t^2</c> (the variance of q(x_s | x_t)):
    /// <c>cx = a sigma_t^2 / sigma_s^2</c>, <c>c0 = alpha_t b^2 / sigma_s^2</c>, <c>var = sigma_t^2 b^2 / sigma_s^2</c>.
    /// Divides only by alpha_t of the cleaner level, which is positive on every plan. Also returns <c>b^2</c>, the
    /// "large" DDPM variance.
    /// </summary>
    public static (double X, double X0, double Variance, double ForwardVariance) Posterior(NoiseLevel s, NoiseLevel t)
    {
        var a = s.Alpha / t.Alpha;
        var s2 = s.Sigma * s.Sigma;
        var t2 = t.Sigma * t.Sigma;
        var b2 = Math.Max(0, s2 - a * a * t2);
        return (a * t2 / s2, t.Alpha * b2 / s2, t2 * b2 / s2, b2);
    }

    /// <summary>
    /// Karras et al. (2022) coordinates: <c>x~ = x / alpha</c> and the derivative <c>d = (x~ - x0) / s</c> of the
    /// probability-flow ODE <c>dx~/ds</c> at VE sigma <c>s = sigma / alpha</c>. Requires alpha &gt; 0.
    /// </summary>
    public static (Tensor XTilde, Tensor D) VeDerivative(Tensor x, Tensor x0, NoiseLevel level)
    {
        var xTilde = x.div(level.Alpha);
        var d = Combine(xTilde, 1 / level.VeSigma, x0, -1 / level.VeSigma);
        return (xTilde, d);
    }

    /// <summary>
    /// The limit of the VE Euler move <c>x~ + (target - s) d</c> as s → inf (a step that starts at zero SNR, alpha = 0):
    /// <c>x0 + target * eps</c> with <c>eps = x / sigma</c>. Returned in VE coordinates.
    /// </summary>
    public static Tensor VeEulerFromZeroSnr(Tensor x, Tensor x0, NoiseLevel level, double target) =>
        Combine(x0, 1, x, target / level.Sigma);

    /// <summary>The Euler move of <see cref="KarrasEuler"/> and what Heun's correction reuses.</summary>
    /// <param name="Next">The sample after the Euler step.</param>
    /// <param name="XTilde">The (churned) start in VE coordinates; null for a step from zero SNR.</param>
    /// <param name="Slope">The ODE slope d at the start; null for a step from zero SNR.</param>
    /// <param name="Level">The (churned) level the denoiser was evaluated at.</param>
    internal readonly record struct KarrasEulerMove(Tensor Next, Tensor? XTilde, Tensor? Slope, NoiseLevel Level);

    /// <summary>
    /// Karras et al. 2022, Algorithm 2, lines 4–8, shared by Euler and Heun: churn (if any), evaluate the denoiser,
    /// store its estimate, and take the Euler step <c>x~' = x~ + (s' - s) d</c> to the next level (its limit form from
    /// zero SNR).
    /// </summary>
    public static KarrasEulerMove KarrasEuler(IDenoiser denoiser, Tensor x, SamplerState state, KarrasChurn churn, SamplingContext context)
    {
        var next = state.Plan[state.StepIndex + 1];
        var (xHat, level) = churn.Apply(x, state.Level, state.Plan, context);
        var d = denoiser.Denoise(xHat, level);
        state.Push(level, d.X0);
        if (level.Alpha == 0)
        {
            return new KarrasEulerMove(VeEulerFromZeroSnr(xHat, d.X0, level, next.VeSigma).mul_(next.Alpha), null, null, level);
        }
        var (xTilde, slope) = VeDerivative(xHat, d.X0, level);
        return new KarrasEulerMove(Combine(xTilde, next.Alpha, slope, next.Alpha * (next.VeSigma - level.VeSigma)), xTilde, slope, level);
    }

    /// <summary>Returns <paramref name="value"/>, or throws unless it lies in [0, 1].</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is outside [0, 1] or NaN.</exception>
    public static double RequireUnitInterval(double value, string paramName)
    {
        if (!(value >= 0 && value <= 1))
        {
            throw new ArgumentOutOfRangeException(paramName, value, $"Expected {paramName} in [0, 1].");
        }
        return value;
    }

    /// <summary>
    /// The order a multistep solver may use at step <paramref name="step"/>: 1 to clean data (lambda = +inf, where the
    /// higher-order terms have no finite limit), otherwise at most one more than the usable history, and — with
    /// <paramref name="lowerOrderFinal"/> on plans of fewer than 15 steps — at most the number of steps left
    /// (diffusers' <c>lower_order_final</c>, which stabilises short plans).
    /// </summary>
    public static int MultistepOrder(int maxOrder, int usableHistory, int step, SamplingPlan plan, bool lowerOrderFinal)
    {
        if (plan[step + 1].IsData)
        {
            return 1;
        }
        var order = Math.Min(maxOrder, usableHistory + 1);
        if (lowerOrderFinal && plan.Steps < 15)
        {
            order = Math.Min(order, plan.Steps - step);
        }
        return order;
    }

    /// <summary>Solves the small dense system <c>A x = b</c> (n &lt;= 4) by Gaussian elimination with partial pivoting.</summary>
    public static double[] Solve(double[,] a, double[] b)
    {
        var n = b.Length;
        var m = (double[,])a.Clone();
        var x = (double[])b.Clone();
        for (var col = 0; col < n; col++)
        {
            var pivot = col;
            for (var r = col + 1; r < n; r++)
            {
                if (Math.Abs(m[r, col]) > Math.Abs(m[pivot, col]))
                {
                    pivot = r;
                }
            }
            if (pivot != col)
            {
                for (var c = 0; c < n; c++)
                {
                    (m[col, c], m[pivot, c]) = (m[pivot, c], m[col, c]);
                }
                (x[col], x[pivot]) = (x[pivot], x[col]);
            }
            for (var r = col + 1; r < n; r++)
            {
                var f = m[r, col] / m[col, col];
                for (var c = col; c < n; c++)
                {
                    m[r, c] -= f * m[col, c];
                }
                x[r] -= f * x[col];
            }
        }
        for (var r = n - 1; r >= 0; r--)
        {
            var sum = x[r];
            for (var c = r + 1; c < n; c++)
            {
                sum -= m[r, c] * x[c];
            }
            x[r] = sum / m[r, r];
        }
        return x;
    }
}
