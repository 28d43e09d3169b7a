namespace VideoDiffusion.Schedules;

/// <summary>
/// A noise schedule: the forward process <c>q(x_t | x_0) = N(Alpha(t) x_0, Sigma(t)^2 I)</c> as pure functions of a
/// training timestep <c>t</c> in <c>[0, MaxTimestep]</c> (fractional values allowed). All values are double precision;
/// implementations are immutable and thread-safe.
/// </summary>
public interface INoiseSchedule
{
    /// <summary>Number of training timesteps (the length of a discrete schedule; the time scale of a continuous one).</summary>
    int TrainSteps { get; }

    /// <summary>Largest valid timestep: <c>TrainSteps - 1</c> for discrete schedules, <c>TrainSteps</c> for continuous ones.</summary>
    double MaxTimestep { get; }

    /// <summary>Whether the schedule is defined on a continuum (timesteps are reals) rather than on integer steps.</summary>
    bool IsContinuous { get; }

    /// <summary>Signal scale at timestep <paramref name="t"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="t"/> is outside <c>[0, MaxTimestep]</c> or not finite.</exception>
    double Alpha(double t);

    /// <summary>Noise scale at timestep <paramref name="t"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="t"/> is outside <c>[0, MaxTimestep]</c> or not finite.</exception>
    double Sigma(double t);

    /// <summary>Log signal-to-noise ratio <c>ln(Alpha^2 / Sigma^2)</c> at timestep <paramref name="t"/>; strictly decreasing in t.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="t"/> is outside <c>[0, MaxTimestep]</c> or not finite.</exception>
    double LogSnr(double t);

    /// <summary>The noise level (timestep, alpha, sigma) at timestep <paramref name="t"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="t"/> is outside <c>[0, MaxTimestep]</c> or not finite.</exception>
    NoiseLevel Level(double t);

    /// <summary>
    /// Inverse of <see cref="LogSnr"/>: the timestep whose log-SNR is <paramref name="logSnr"/>, clamped to
    /// <c>[0, MaxTimestep]</c> when the value lies outside the schedule's range.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="logSnr"/> is NaN.</exception>
    double TimestepOf(double logSnr);

    /// <summary>A short human-readable description with every parameter (stored in checkpoints and pipeline files).</summary>
    string Description { get; }
}
