using System.Globalization;

namespace VideoDiffusion.Schedules;

/// <summary>
/// The continuous rectified-flow schedule (Liu et al. 2022; Esser et al. 2024): <c>x_t = (1 - s) x_0 + s eps</c>, i.e.
/// <c>Alpha = 1 - s</c>, <c>Sigma = s</c>, with <c>s = k u / (1 + (k - 1) u)</c>, <c>u = t / T</c> and the time shift k.
/// Timesteps are reals in <c>[0, T]</c>; t = T is pure noise (alpha = 0).
/// </summary>
public sealed class RectifiedFlowSchedule : INoiseSchedule
{
    internal RectifiedFlowSchedule(NoiseScheduleOptions options)
    {
        Options = options;
        TrainSteps = options.TrainSteps;
        Shift = options.FlowShift;
        Description = string.Format(CultureInfo.InvariantCulture, "RectifiedFlow(trainSteps={0}, shift={1:R})", TrainSteps, Shift);
    }

    /// <summary>Creates a rectified-flow schedule.</summary>
    /// <param name="trainSteps">The time scale T: timesteps run over [0, T].</param>
    /// <param name="shift">The time shift k &gt; 0 (1 = none).</param>
    /// <exception cref="ArgumentOutOfRangeException">trainSteps &lt; 2 or shift not a finite positive number.</exception>
    public RectifiedFlowSchedule(int trainSteps = 1000, double shift = 1.0)
        : this(Check(new NoiseScheduleOptions { Kind = NoiseScheduleKind.RectifiedFlow, TrainSteps = trainSteps, FlowShift = shift }))
    {
    }

    /// <summary>The definition this schedule was built from.</summary>
    public NoiseScheduleOptions Options { get; }

    /// <summary>The time shift k.</summary>
    public double Shift { get; }

    /// <inheritdoc />
    public string Description { get; }

    /// <inheritdoc />
    public int TrainSteps { get; }

    /// <inheritdoc />
    public double MaxTimestep => TrainSteps;

    /// <inheritdoc />
    public bool IsContinuous => true;

    /// <summary>The noise scale <c>s(t)</c> after the shift, in [0, 1].</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="t"/> is outside <c>[0, T]</c>.</exception>
    public double Sigma(double t)
    {
        CheckTimestep(t);
        var u = t / TrainSteps;
        return Shift * u / (1 + (Shift - 1) * u);
    }

    /// <inheritdoc />
    public double Alpha(double t) => 1 - Sigma(t);

    /// <inheritdoc />
    public double LogSnr(double t)
    {
        var s = Sigma(t);
        return 2 * (Math.Log(1 - s) - Math.Log(s));
    }

    /// <inheritdoc />
    public NoiseLevel Level(double t)
    {
        var s = Sigma(t);
        return new NoiseLevel(t, 1 - s, s);
    }

    /// <inheritdoc />
    public double TimestepOf(double logSnr)
    {
        if (double.IsNaN(logSnr))
        {
            throw new ArgumentException("Expected a log-SNR that is not NaN.", nameof(logSnr));
        }
        // (1 - s) / s = exp(logSnr / 2)  =>  s = sigmoid(-logSnr / 2); then undo the shift.
        var s = DiscreteNoiseSchedule.Sigmoid(-logSnr / 2);
        var u = s / (Shift - (Shift - 1) * s);
        return Math.Clamp(u * TrainSteps, 0, TrainSteps);
    }

    private static NoiseScheduleOptions Check(NoiseScheduleOptions o)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(o.TrainSteps, 2, "trainSteps");
        if (!(o.FlowShift > 0) || double.IsInfinity(o.FlowShift))
        {
            throw new ArgumentOutOfRangeException("shift", o.FlowShift, "Expected a finite shift > 0.");
        }
        return o;
    }

    private void CheckTimestep(double t)
    {
        if (!double.IsFinite(t) || t < 0 || t > TrainSteps)
        {
            throw new ArgumentOutOfRangeException(nameof(t), t, $"Expected a timestep in [0, {TrainSteps}].");
        }
    }
}
