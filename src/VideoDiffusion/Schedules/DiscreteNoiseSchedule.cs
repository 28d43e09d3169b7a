using System.Globalization;

namespace VideoDiffusion.Schedules;

/// <summary>
/// A variance-preserving schedule over integer training timesteps <c>0 … T-1</c>, held as
/// <c>alphas_cumprod</c> (abar) in double precision: <c>Alpha(t) = sqrt(abar_t)</c>, <c>Sigma(t) = sqrt(1 - abar_t)</c>.
/// Fractional timesteps interpolate linearly in <c>ln(sigma/alpha)</c> between neighbouring steps, as k-diffusion's
/// <c>DiscreteSchedule.t_to_sigma</c> does; next to a zero-SNR end (where that log is infinite) they interpolate
/// alpha linearly instead. Build one from <see cref="NoiseScheduleOptions"/> or with the static factories.
/// </summary>
public sealed class DiscreteNoiseSchedule : INoiseSchedule
{
    private readonly double[] _betas;
    private readonly double[] _alphasCumprod;
    private readonly double[] _logSnr;      // ln(abar / (1 - abar)), strictly decreasing; -inf at a zero-SNR end
    private readonly double[] _logVeSigma;  // ln(sigma / alpha) = -logSnr / 2

    private DiscreteNoiseSchedule(double[] betas, double[] alphasCumprod, NoiseScheduleOptions? options, string description)
    {
        _betas = betas;
        _alphasCumprod = alphasCumprod;
        _logSnr = new double[alphasCumprod.Length];
        _logVeSigma = new double[alphasCumprod.Length];
        for (var i = 0; i < alphasCumprod.Length; i++)
        {
            var a = alphasCumprod[i];
            _logSnr[i] = a == 0 ? double.NegativeInfinity : Math.Log(a) - Math.Log(1.0 - a);
            _logVeSigma[i] = -0.5 * _logSnr[i];
        }
        Options = options;
        Description = description;
    }

    /// <summary>The definition this schedule was built from; null for schedules made from raw betas.</summary>
    public NoiseScheduleOptions? Options { get; }

    /// <inheritdoc />
    public string Description { get; }

    /// <inheritdoc />
    public int TrainSteps => _alphasCumprod.Length;

    /// <inheritdoc />
    public double MaxTimestep => _alphasCumprod.Length - 1;

    /// <inheritdoc />
    public bool IsContinuous => false;

    /// <summary>The betas <c>beta_i = 1 - abar_i / abar_{i-1}</c> (a copy).</summary>
    public double[] Betas => (double[])_betas.Clone();

    /// <summary>The cumulative products <c>abar_i = prod_{j &lt;= i} (1 - beta_j)</c> (a copy).</summary>
    public double[] AlphasCumprod => (double[])_alphasCumprod.Clone();

    /// <summary>Whether the last step has exactly zero SNR (<c>abar_{T-1} = 0</c>).</summary>
    public bool HasZeroTerminalSnr => _alphasCumprod[^1] == 0;

    /// <inheritdoc />
    public double Alpha(double t) => Level(t).Alpha;

    /// <inheritdoc />
    public double Sigma(double t) => Level(t).Sigma;

    /// <inheritdoc />
    public double LogSnr(double t)
    {
        CheckTimestep(t);
        var lo = (int)Math.Floor(t);
        var w = t - lo;
        if (w == 0)
        {
            return _logSnr[lo];
        }
        var level = Level(t);
        return level.LogSnr;
    }

    /// <inheritdoc />
    public NoiseLevel Level(double t)
    {
        CheckTimestep(t);
        var lo = (int)Math.Floor(t);
        var w = t - lo;
        if (w == 0)
        {
            var a = _alphasCumprod[lo];
            return new NoiseLevel(t, Math.Sqrt(a), Math.Sqrt(1.0 - a));
        }
        var hi = lo + 1;
        if (double.IsInfinity(_logVeSigma[hi]))
        {
            // Next to a zero-SNR end the log-sigma is infinite; interpolate alpha instead.
            var alpha = (1 - w) * Math.Sqrt(_alphasCumprod[lo]);
            return new NoiseLevel(t, alpha, Math.Sqrt(1.0 - alpha * alpha));
        }
        var logS = (1 - w) * _logVeSigma[lo] + w * _logVeSigma[hi];
        return FromLogVeSigma(t, logS);
    }

    /// <inheritdoc />
    public double TimestepOf(double logSnr)
    {
        if (double.IsNaN(logSnr))
        {
            throw new ArgumentException("Expected a log-SNR that is not NaN.", nameof(logSnr));
        }
        if (logSnr >= _logSnr[0])
        {
            return 0;
        }
        var last = _logSnr.Length - 1;
        if (logSnr <= _logSnr[last])
        {
            return last;
        }
        // Largest i with _logSnr[i] >= logSnr (the table is strictly decreasing).
        int lo = 0, hi = last;
        while (hi - lo > 1)
        {
            var mid = (lo + hi) >>> 1;
            if (_logSnr[mid] >= logSnr)
            {
                lo = mid;
            }
            else
            {
                hi = mid;
            }
        }
        if (double.IsNegativeInfinity(_logSnr[hi]))
        {
            // Inverse of the alpha interpolation used next to a zero-SNR end.
            var alpha = Math.Sqrt(Sigmoid(logSnr));
            return lo + (1 - alpha / Math.Sqrt(_alphasCumprod[lo]));
        }
        var w = (_logSnr[lo] - logSnr) / (_logSnr[lo] - _logSnr[hi]);
        return lo + w;
    }

    /// <summary>Builds a schedule from its definition (called by <see cref="NoiseScheduleOptions.Build"/>).</summary>
    internal static DiscreteNoiseSchedule FromOptions(NoiseScheduleOptions o)
    {
        var n = o.TrainSteps;
        double[] alphasCumprod;
        switch (o.Kind)
        {
            case NoiseScheduleKind.Linear:
                CheckBetaRange(o);
                alphasCumprod = CumprodFromBetas(Linspace(o.BetaStart, o.BetaEnd, n), "betas");
                break;
            case NoiseScheduleKind.ScaledLinear:
                CheckBetaRange(o);
                alphasCumprod = CumprodFromBetas(
                    Linspace(Math.Sqrt(o.BetaStart), Math.Sqrt(o.BetaEnd), n).Select(x => x * x).ToArray(), "betas");
                break;
            case NoiseScheduleKind.Sigmoid:
                CheckBetaRange(o);
                alphasCumprod = CumprodFromBetas(
                    Linspace(-6, 6, n).Select(x => Sigmoid(x) * (o.BetaEnd - o.BetaStart) + o.BetaStart).ToArray(), "betas");
                break;
            case NoiseScheduleKind.Uniform:
                if (!(o.BetaEnd > 0 && o.BetaEnd <= 1))
                {
                    throw new ArgumentOutOfRangeException(nameof(o.BetaEnd), o.BetaEnd, "Expected the maximum beta in (0, 1].");
                }
                alphasCumprod = CumprodFromBetas(Enumerable.Range(1, n).Select(i => o.BetaEnd * i / n).ToArray(), "betas");
                break;
            case NoiseScheduleKind.Cosine:
                alphasCumprod = CumprodFromBetas(CosineBetas(n, o.CosineOffset, o.MaxBeta), "betas");
                break;
            case NoiseScheduleKind.LogLinearSnr:
                if (!double.IsFinite(o.LogSnrStart) || !double.IsFinite(o.LogSnrEnd) || !(o.LogSnrStart > o.LogSnrEnd))
                {
                    throw new ArgumentOutOfRangeException(nameof(o.LogSnrEnd), o.LogSnrEnd,
                        $"Expected finite LogSnrStart > LogSnrEnd, got LogSnrStart = {o.LogSnrStart}, LogSnrEnd = {o.LogSnrEnd}.");
                }
                alphasCumprod = Linspace(o.LogSnrStart, o.LogSnrEnd, n).Select(Sigmoid).ToArray();
                CheckAlphasCumprod(alphasCumprod, "alphasCumprod");
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(o.Kind), o.Kind, "Not a discrete schedule kind.");
        }
        if (o.ZeroTerminalSnr)
        {
            alphasCumprod = RescaleZeroTerminalSnr(alphasCumprod);
        }
        if (o.LogSnrShift != 1.0)
        {
            alphasCumprod = ShiftLogSnr(alphasCumprod, o.LogSnrShift);
        }
        return new DiscreteNoiseSchedule(BetasFromCumprod(alphasCumprod), alphasCumprod, o, Describe(o));
    }

    /// <summary>DDPM linear betas (Ho et al. 2020).</summary>
    public static DiscreteNoiseSchedule Linear(int trainSteps = 1000, double betaStart = 1e-4, double betaEnd = 0.02) =>
        (DiscreteNoiseSchedule)new NoiseScheduleOptions { Kind = NoiseScheduleKind.Linear, TrainSteps = trainSteps, BetaStart = betaStart, BetaEnd = betaEnd }.Build();

    /// <summary>Stable Diffusion's scaled-linear betas (linear in sqrt(beta)).</summary>
    public static DiscreteNoiseSchedule ScaledLinear(int trainSteps = 1000, double betaStart = 0.00085, double betaEnd = 0.012) =>
        (DiscreteNoiseSchedule)new NoiseScheduleOptions { Kind = NoiseScheduleKind.ScaledLinear, TrainSteps = trainSteps, BetaStart = betaStart, BetaEnd = betaEnd }.Build();

    /// <summary>Cosine schedule (Nichol &amp; Dhariwal 2021).</summary>
    public static DiscreteNoiseSchedule Cosine(int trainSteps = 1000, double offset = 0.008, double maxBeta = 0.999) =>
        (DiscreteNoiseSchedule)new NoiseScheduleOptions { Kind = NoiseScheduleKind.Cosine, TrainSteps = trainSteps, CosineOffset = offset, MaxBeta = maxBeta }.Build();

    /// <summary>
    /// A schedule from explicit betas. Each beta must be finite and in (0, 1], and the sequence must not decrease
    /// (so that the noise added per step never shrinks).
    /// </summary>
    /// <exception cref="ArgumentException">A beta is out of range, or the betas decrease; the message names the index.</exception>
    public static DiscreteNoiseSchedule FromBetas(IReadOnlyList<double> betas)
    {
        ArgumentNullException.ThrowIfNull(betas);
        if (betas.Count < 2)
        {
            throw new ArgumentException($"Expected at least 2 betas, got {betas.Count}.", nameof(betas));
        }
        var copy = betas.ToArray();
        var alphasCumprod = CumprodFromBetas(copy, nameof(betas));
        return new DiscreteNoiseSchedule(copy, alphasCumprod, null, $"betas(trainSteps={copy.Length})");
    }

    internal static void CheckBetaRange(NoiseScheduleOptions o)
    {
        if (!(o.BetaStart > 0) || !(o.BetaEnd <= 1) || !(o.BetaStart <= o.BetaEnd))
        {
            throw new ArgumentOutOfRangeException(nameof(o.BetaStart), o.BetaStart,
                $"Expected 0 < BetaStart <= BetaEnd <= 1, got BetaStart = {o.BetaStart}, BetaEnd = {o.BetaEnd}.");
        }
    }

    private static double[] CosineBetas(int n, double s, double maxBeta)
    {
        if (!(s >= 0) || !double.IsFinite(s))
        {
            throw new ArgumentOutOfRangeException("CosineOffset", s, "Expected a finite offset >= 0.");
        }
        if (!(maxBeta > 0 && maxBeta <= 1))
        {
            throw new ArgumentOutOfRangeException("MaxBeta", maxBeta, "Expected the beta clip in (0, 1].");
        }
        double AlphaBar(double u) => Math.Pow(Math.Cos((u + s) / (1 + s) * Math.PI / 2), 2);
        var betas = new double[n];
        for (var i = 0; i < n; i++)
        {
            betas[i] = Math.Min(1 - AlphaBar((i + 1.0) / n) / AlphaBar((double)i / n), maxBeta);
        }
        return betas;
    }

    /// <summary>Lin et al. 2023, Algorithm 1: shift sqrt(abar) to end at 0, scale it to keep the first value.</summary>
    private static double[] RescaleZeroTerminalSnr(double[] alphasCumprod)
    {
        var sqrt = alphasCumprod.Select(Math.Sqrt).ToArray();
        double first = sqrt[0], last = sqrt[^1];
        var result = new double[sqrt.Length];
        for (var i = 0; i < sqrt.Length; i++)
        {
            var v = (sqrt[i] - last) * first / (first - last);
            result[i] = v * v;
        }
        result[0] = alphasCumprod[0]; // exact, free of rounding in the shift-and-scale
        result[^1] = 0;
        return result;
    }

    private static double[] ShiftLogSnr(double[] alphasCumprod, double factor)
    {
        var shift = 2 * Math.Log(factor);
        return alphasCumprod.Select(a => a == 0 ? 0 : Sigmoid(Math.Log(a) - Math.Log(1 - a) - shift)).ToArray();
    }

    private static double[] CumprodFromBetas(double[] betas, string paramName)
    {
        var result = new double[betas.Length];
        var product = 1.0;
        for (var i = 0; i < betas.Length; i++)
        {
            var b = betas[i];
            if (!double.IsFinite(b) || b <= 0 || b > 1)
            {
                throw new ArgumentException($"Expected every beta in (0, 1], got beta[{i}] = {b.ToString("R", CultureInfo.InvariantCulture)}.", paramName);
            }
            if (i > 0 && b < betas[i - 1])
            {
                throw new ArgumentException(
                    $"Expected non-decreasing betas, got beta[{i - 1}] = {betas[i - 1].ToString("R", CultureInfo.InvariantCulture)} > beta[{i}] = {b.ToString("R", CultureInfo.InvariantCulture)}.", paramName);
            }
            product *= 1 - b;
            result[i] = product;
        }
        return result;
    }

    private static void CheckAlphasCumprod(double[] alphasCumprod, string paramName)
    {
        for (var i = 0; i < alphasCumprod.Length; i++)
        {
            var a = alphasCumprod[i];
            if (!(a > 0 && a < 1) || (i > 0 && !(a < alphasCumprod[i - 1])))
            {
                throw new ArgumentException($"Expected alphas_cumprod strictly decreasing in (0, 1), got [{i}] = {a}.", paramName);
            }
        }
    }

    private static double[] BetasFromCumprod(double[] alphasCumprod)
    {
        var betas = new double[alphasCumprod.Length];
        for (var i = 0; i < betas.Length; i++)
        {
            betas[i] = i == 0 ? 1 - alphasCumprod[0] : 1 - alphasCumprod[i] / alphasCumprod[i - 1];
        }
        return betas;
    }

    private static string Describe(NoiseScheduleOptions o)
    {
        var ci = CultureInfo.InvariantCulture;
        var core = o.Kind switch
        {
            NoiseScheduleKind.Linear or NoiseScheduleKind.ScaledLinear or NoiseScheduleKind.Sigmoid =>
                string.Format(ci, "{0}(trainSteps={1}, betaStart={2:R}, betaEnd={3:R})", o.Kind, o.TrainSteps, o.BetaStart, o.BetaEnd),
            NoiseScheduleKind.Uniform => string.Format(ci, "Uniform(trainSteps={0}, betaMax={1:R})", o.TrainSteps, o.BetaEnd),
            NoiseScheduleKind.Cosine => string.Format(ci, "Cosine(trainSteps={0}, s={1:R}, maxBeta={2:R})", o.TrainSteps, o.CosineOffset, o.MaxBeta),
            NoiseScheduleKind.LogLinearSnr => string.Format(ci, "LogLinearSnr(trainSteps={0}, logSnr={1:R}..{2:R})", o.TrainSteps, o.LogSnrStart, o.LogSnrEnd),
            _ => o.Kind.ToString(),
        };
        if (o.ZeroTerminalSnr)
        {
            core += " + ZeroTerminalSnr";
        }
        if (o.LogSnrShift != 1.0)
        {
            core += string.Format(ci, " + LogSnrShift({0:R})", o.LogSnrShift);
        }
        return core;
    }

    private void CheckTimestep(double t)
    {
        if (!double.IsFinite(t) || t < 0 || t > MaxTimestep)
        {
            throw new ArgumentOutOfRangeException(nameof(t), t, $"Expected a timestep in [0, {MaxTimestep}].");
        }
    }

    private static NoiseLevel FromLogVeSigma(double t, double logS)
    {
        // alpha = 1 / sqrt(1 + s^2), sigma = s / sqrt(1 + s^2), evaluated without overflow for large s.
        if (logS > 0)
        {
            var inv = Math.Exp(-logS);
            var norm = Math.Sqrt(1 + inv * inv);
            return new NoiseLevel(t, inv / norm, 1 / norm);
        }
        var s = Math.Exp(logS);
        var n = Math.Sqrt(1 + s * s);
        return new NoiseLevel(t, 1 / n, s / n);
    }

    internal static double Sigmoid(double x) => x >= 0 ? 1 / (1 + Math.Exp(-x)) : Math.Exp(x) / (1 + Math.Exp(x));

    /// <summary>numpy.linspace(start, stop, n) with the endpoint, evaluated as numpy does (start + i * step, last = stop).</summary>
    internal static double[] Linspace(double start, double stop, int n)
    {
        var result = new double[n];
        if (n == 1)
        {
            result[0] = start;
            return result;
        }
        var step = (stop - start) / (n - 1);
        for (var i = 0; i < n; i++)
        {
            result[i] = start + i * step;
        }
        result[^1] = stop;
        return result;
    }
}
