using VideoDiffusion.Schedules;
using static TorchSharp.torch;

namespace VideoDiffusion.Samplers;

/// <summary>
/// Stochastic "churn" of Karras et al. 2022, Algorithm 2 (lines 4–6): before a step at VE sigma
/// <c>s = sigma / alpha</c> in <c>[TMin, TMax]</c>, noise is added to raise it to <c>s_hat = s (1 + gamma)</c>,
/// <c>gamma = min(Churn / N, sqrt(2) - 1)</c>, and the step starts from there. Churn = 0 turns it off.
/// </summary>
public sealed record KarrasChurn
{
    /// <summary>Total churn S_churn over the plan (&gt;= 0). <value>The default value is 0 (off).</value></summary>
    public double Churn { get; init; }

    /// <summary>Smallest VE sigma S_tmin that is churned. <value>The default value is 0.</value></summary>
    public double TMin { get; init; }

    /// <summary>Largest VE sigma S_tmax that is churned. <value>The default value is +inf.</value></summary>
    public double TMax { get; init; } = double.PositiveInfinity;

    /// <summary>Scale S_noise of the added noise. <value>The default value is 1.</value></summary>
    public double NoiseScale { get; init; } = 1.0;

    /// <summary>Whether churn is on.</summary>
    public bool IsActive => Churn > 0;

    /// <summary>Throws when a field is out of range (called by the samplers that take churn).</summary>
    /// <exception cref="ArgumentOutOfRangeException">Churn or NoiseScale negative or not finite; TMin &lt; 0 or TMin &gt; TMax.</exception>
    internal KarrasChurn Validate(string paramName)
    {
        if (!(Churn >= 0) || double.IsInfinity(Churn))
        {
            throw new ArgumentOutOfRangeException(paramName, Churn, "Expected a finite Churn >= 0.");
        }
        if (!(NoiseScale >= 0) || double.IsInfinity(NoiseScale))
        {
            throw new ArgumentOutOfRangeException(paramName, NoiseScale, "Expected a finite NoiseScale >= 0.");
        }
        if (!(TMin >= 0) || !(TMax >= TMin))
        {
            throw new ArgumentOutOfRangeException(paramName, TMin, $"Expected 0 <= TMin <= TMax, got TMin = {TMin}, TMax = {TMax}.");
        }
        return this;
    }

    /// <summary>
    /// Applies the churn to the sample at <paramref name="level"/>: returns the raised level (a level of the plan's
    /// schedule, so the denoiser gets a valid timestep) and the noised sample, or the inputs unchanged.
    /// </summary>
    internal (Tensor X, NoiseLevel Level) Apply(Tensor x, NoiseLevel level, SamplingPlan plan, SamplingContext context)
    {
        if (!IsActive || level.Alpha == 0)
        {
            return (x, level);
        }
        var s = level.VeSigma;
        if (s < TMin || s > TMax)
        {
            return (x, level);
        }
        var gamma = Math.Min(Churn / plan.Steps, Math.Sqrt(2) - 1);
        var schedule = plan.Schedule;
        var raised = schedule.Level(schedule.TimestepOf(-2 * Math.Log(s * (1 + gamma))));
        var sHat = raised.VeSigma;
        if (!(sHat > s) || !double.IsFinite(sHat))
        {
            return (x, level);
        }
        // x~_hat = x~ + sqrt(s_hat^2 - s^2) S_noise z, with x = alpha x~ on both sides.
        var z = context.DrawNoiseLike(x);
        var noised = SamplerMath.Combine(x, raised.Alpha / level.Alpha, z, raised.Alpha * Math.Sqrt(sHat * sHat - s * s) * NoiseScale);
        return (noised, raised);
    }
}
