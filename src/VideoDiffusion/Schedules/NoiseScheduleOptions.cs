namespace VideoDiffusion.Schedules;

/// <summary>
/// The immutable definition of a noise schedule: a family and its parameters, plus the modifiers applied on top.
/// <see cref="Build"/> validates the values and creates the schedule. The record serializes to JSON as is, so
/// checkpoints and pipeline files store it. Ready-made definitions are in <see cref="KnownNoiseSchedules"/>.
/// </summary>
public sealed record NoiseScheduleOptions
{
    /// <summary>The schedule family. <value>The default value is <see cref="NoiseScheduleKind.Linear"/>.</value></summary>
    public NoiseScheduleKind Kind { get; init; } = NoiseScheduleKind.Linear;

    /// <summary>Number of training timesteps T (&gt;= 2). <value>The default value is 1000.</value></summary>
    public int TrainSteps { get; init; } = 1000;

    /// <summary>First beta for <see cref="NoiseScheduleKind.Linear"/>, <see cref="NoiseScheduleKind.ScaledLinear"/> and <see cref="NoiseScheduleKind.Sigmoid"/>. <value>The default value is 1e-4.</value></summary>
    public double BetaStart { get; init; } = 1e-4;

    /// <summary>Last (for <see cref="NoiseScheduleKind.Uniform"/>: maximum) beta. <value>The default value is 0.02.</value></summary>
    public double BetaEnd { get; init; } = 0.02;

    /// <summary>Offset s of the cosine schedule. <value>The default value is 0.008.</value></summary>
    public double CosineOffset { get; init; } = 0.008;

    /// <summary>Upper clip of the cosine schedule's betas. <value>The default value is 0.999.</value></summary>
    public double MaxBeta { get; init; } = 0.999;

    /// <summary>Log-SNR <c>ln(abar/(1-abar))</c> at t = 0 for <see cref="NoiseScheduleKind.LogLinearSnr"/>. <value>The default value is 10.</value></summary>
    public double LogSnrStart { get; init; } = 10.0;

    /// <summary>Log-SNR at t = T - 1 for <see cref="NoiseScheduleKind.LogLinearSnr"/>. <value>The default value is -10.</value></summary>
    public double LogSnrEnd { get; init; } = -10.0;

    /// <summary>
    /// Rescale a discrete schedule to zero terminal SNR (Lin et al. 2023, Algorithm 1): <c>sqrt(abar)</c> is shifted so
    /// the last value is exactly 0 and scaled so the first value is unchanged. Use it with v- or x0-prediction:
    /// epsilon-prediction cannot recover x0 at zero SNR. <value>The default value is false.</value>
    /// </summary>
    public bool ZeroTerminalSnr { get; init; }

    /// <summary>
    /// Shift of the log-SNR of a discrete schedule by a factor k: <c>logSnr'(t) = logSnr(t) - 2 ln k</c>, i.e. the SNR is
    /// divided by k^2 (Hoogeboom et al. 2023; k &gt; 1 adds noise, e.g. k = resolution / base resolution).
    /// Applied after <see cref="ZeroTerminalSnr"/>. <value>The default value is 1 (no shift).</value>
    /// </summary>
    public double LogSnrShift { get; init; } = 1.0;

    /// <summary>
    /// Time shift of the rectified-flow schedule: <c>sigma = k u / (1 + (k - 1) u)</c> with <c>u = t / T</c> (Esser et al. 2024).
    /// Equivalent to a log-SNR shift by k. <value>The default value is 1 (no shift).</value>
    /// </summary>
    public double FlowShift { get; init; } = 1.0;

    /// <summary>Validates the definition and builds the schedule.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A parameter is outside its documented range.</exception>
    /// <exception cref="ArgumentException">A modifier does not apply to the schedule family.</exception>
    public INoiseSchedule Build()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(TrainSteps, 2, nameof(TrainSteps));
        if (!(LogSnrShift > 0) || double.IsInfinity(LogSnrShift))
        {
            throw new ArgumentOutOfRangeException(nameof(LogSnrShift), LogSnrShift, "Expected a finite factor > 0.");
        }
        if (!(FlowShift > 0) || double.IsInfinity(FlowShift))
        {
            throw new ArgumentOutOfRangeException(nameof(FlowShift), FlowShift, "Expected a finite factor > 0.");
        }
        if (Kind == NoiseScheduleKind.RectifiedFlow)
        {
            if (ZeroTerminalSnr)
            {
                throw new ArgumentException("The rectified-flow schedule already ends at zero SNR; ZeroTerminalSnr applies to discrete schedules only.", nameof(ZeroTerminalSnr));
            }
            if (LogSnrShift != 1.0)
            {
                throw new ArgumentException($"Use FlowShift to shift a rectified-flow schedule; LogSnrShift applies to discrete schedules only (got {LogSnrShift}).", nameof(LogSnrShift));
            }
            return new RectifiedFlowSchedule(this);
        }
        if (FlowShift != 1.0)
        {
            throw new ArgumentException($"FlowShift applies to the rectified-flow schedule only (got {FlowShift} for {Kind}); use LogSnrShift.", nameof(FlowShift));
        }
        return DiscreteNoiseSchedule.FromOptions(this);
    }
}
