using System.Collections;

namespace VideoDiffusion.Schedules;

/// <summary>
/// The noise levels a sampler walks, from the noisiest to the cleanest: a plan of N steps holds N + 1 levels; the
/// denoiser is evaluated at levels <c>0 … N-1</c> and step i moves the sample from level i to level i + 1. The last
/// level is clean data by default (<see cref="SamplingPlanOptions.EndAtData"/>). Plans are immutable.
/// </summary>
public sealed class SamplingPlan : IReadOnlyList<NoiseLevel>
{
    private readonly NoiseLevel[] _levels;

    private SamplingPlan(INoiseSchedule schedule, NoiseLevel[] levels, TimestepSpacing? spacing)
    {
        Schedule = schedule;
        _levels = levels;
        Spacing = spacing;
    }

    /// <summary>The schedule the levels come from.</summary>
    public INoiseSchedule Schedule { get; }

    /// <summary>The spacing that produced the plan, or null for a plan made from explicit timesteps.</summary>
    public TimestepSpacing? Spacing { get; }

    /// <summary>Number of steps N (one less than the number of levels).</summary>
    public int Steps => _levels.Length - 1;

    /// <summary>Number of levels, N + 1.</summary>
    public int Count => _levels.Length;

    /// <summary>The level at index <paramref name="index"/> (0 = the starting noise level).</summary>
    public NoiseLevel this[int index] => _levels[index];

    /// <summary>The timesteps at which the denoiser is evaluated (the first N levels).</summary>
    public double[] Timesteps => _levels[..^1].Select(l => l.Timestep).ToArray();

    /// <inheritdoc />
    public IEnumerator<NoiseLevel> GetEnumerator() => ((IEnumerable<NoiseLevel>)_levels).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => _levels.GetEnumerator();

    /// <summary>
    /// Creates a plan of <paramref name="steps"/> steps on <paramref name="schedule"/> with the given spacing.
    /// </summary>
    /// <param name="schedule">The schedule.</param>
    /// <param name="steps">Number of denoiser evaluations N &gt;= 1; at most <c>TrainSteps</c> for the integer spacings
    /// (<see cref="TimestepSpacing.Linspace"/>, <see cref="TimestepSpacing.Leading"/>, <see cref="TimestepSpacing.Trailing"/>) of a discrete schedule.</param>
    /// <param name="spacing">How the steps are placed. <value>The default value is <see cref="TimestepSpacing.Trailing"/>.</value></param>
    /// <param name="options">Spacing parameters; null = defaults.</param>
    /// <exception cref="ArgumentOutOfRangeException">steps &lt; 1, more steps than training steps, or an option out of range.</exception>
    /// <exception cref="ArgumentException">The spacing cannot be used with the schedule (e.g. Karras with an infinite maximum sigma and no <see cref="SamplingPlanOptions.SigmaMax"/>).</exception>
    public static SamplingPlan Create(INoiseSchedule schedule, int steps, TimestepSpacing spacing = TimestepSpacing.Trailing, SamplingPlanOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        ArgumentOutOfRangeException.ThrowIfLessThan(steps, 1);
        options ??= new SamplingPlanOptions();
        var trainSteps = schedule.TrainSteps;
        var integerSpacing = spacing is TimestepSpacing.Linspace or TimestepSpacing.Leading or TimestepSpacing.Trailing;
        if (integerSpacing && steps > trainSteps)
        {
            throw new ArgumentOutOfRangeException(nameof(steps), steps,
                $"Expected at most TrainSteps = {trainSteps} inference steps for {spacing} spacing.");
        }

        double[] timesteps;
        switch (spacing)
        {
            case TimestepSpacing.Linspace:
                timesteps = DiscreteNoiseSchedule.Linspace(0, schedule.MaxTimestep, steps)
                    .Select(t => Math.Round(t, MidpointRounding.ToEven)).Reverse().ToArray();
                break;
            case TimestepSpacing.Leading:
            {
                ArgumentOutOfRangeException.ThrowIfNegative(options.StepsOffset, "options.StepsOffset");
                var ratio = trainSteps / steps;
                timesteps = Enumerable.Range(0, steps).Select(i => (double)(i * ratio + options.StepsOffset)).Reverse().ToArray();
                break;
            }
            case TimestepSpacing.Trailing:
            {
                var ratio = (double)trainSteps / steps;
                timesteps = Enumerable.Range(0, steps)
                    .Select(i => Math.Round(trainSteps + i * -ratio, MidpointRounding.ToEven) - 1).ToArray();
                break;
            }
            case TimestepSpacing.Karras:
            case TimestepSpacing.Exponential:
                return FromVeSigmas(schedule, VeSigmas(schedule, steps, spacing, options), spacing, options.EndAtData);
            case TimestepSpacing.FlowShift:
            {
                var k = options.FlowShift;
                if (!(k > 0) || double.IsInfinity(k))
                {
                    throw new ArgumentOutOfRangeException("options.FlowShift", k, "Expected a finite shift > 0.");
                }
                timesteps = Enumerable.Range(0, steps).Select(i =>
                {
                    var u = 1.0 - (double)i / steps;
                    return schedule.MaxTimestep * (k * u / (1 + (k - 1) * u));
                }).ToArray();
                break;
            }
            default:
                throw new ArgumentOutOfRangeException(nameof(spacing), spacing, "Unknown spacing.");
        }
        return Build(schedule, timesteps, spacing, options.EndAtData);
    }

    /// <summary>
    /// Creates a plan from explicit timesteps, which must decrease strictly and lie in <c>[0, MaxTimestep]</c>.
    /// </summary>
    /// <exception cref="ArgumentException">The timesteps are empty, out of range or not strictly decreasing.</exception>
    public static SamplingPlan FromTimesteps(INoiseSchedule schedule, IEnumerable<double> timesteps, bool endAtData = true)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        ArgumentNullException.ThrowIfNull(timesteps);
        var ts = timesteps.ToArray();
        if (ts.Length == 0)
        {
            throw new ArgumentException("Expected at least one timestep, got none.", nameof(timesteps));
        }
        for (var i = 0; i < ts.Length; i++)
        {
            if (!double.IsFinite(ts[i]) || ts[i] < 0 || ts[i] > schedule.MaxTimestep)
            {
                throw new ArgumentException($"Expected timesteps in [0, {schedule.MaxTimestep}], got timesteps[{i}] = {ts[i]}.", nameof(timesteps));
            }
        }
        return Build(schedule, ts, null, endAtData);
    }

    private static SamplingPlan Build(INoiseSchedule schedule, double[] timesteps, TimestepSpacing? spacing, bool endAtData)
    {
        for (var i = 1; i < timesteps.Length; i++)
        {
            if (!(timesteps[i] < timesteps[i - 1]))
            {
                throw new ArgumentException(
                    $"Expected strictly decreasing timesteps, got timesteps[{i - 1}] = {timesteps[i - 1]} and timesteps[{i}] = {timesteps[i]}.", nameof(timesteps));
            }
        }
        var levels = new NoiseLevel[timesteps.Length + 1];
        for (var i = 0; i < timesteps.Length; i++)
        {
            levels[i] = schedule.Level(timesteps[i]);
        }
        levels[^1] = FinalLevel(schedule, timesteps[^1], endAtData);
        return new SamplingPlan(schedule, levels, spacing);
    }

    private static NoiseLevel FinalLevel(INoiseSchedule schedule, double lastTimestep, bool endAtData)
    {
        if (endAtData)
        {
            return NoiseLevel.Data;
        }
        if (lastTimestep == 0)
        {
            throw new ArgumentException(
                "The plan's last evaluated timestep is already 0, so it cannot end at the schedule's timestep 0; set EndAtData = true.", "options");
        }
        return schedule.Level(0);
    }

    private static double[] VeSigmas(INoiseSchedule schedule, int steps, TimestepSpacing spacing, SamplingPlanOptions options)
    {
        var sigmaMin = options.SigmaMin ?? schedule.Level(0).VeSigma;
        var sigmaMax = options.SigmaMax ?? schedule.Level(schedule.MaxTimestep).VeSigma;
        if (!(sigmaMin > 0) || !double.IsFinite(sigmaMin))
        {
            throw new ArgumentException(
                $"{spacing} spacing needs a finite minimum VE sigma > 0; the schedule gives {sigmaMin}. Set SamplingPlanOptions.SigmaMin.", nameof(options));
        }
        if (!double.IsFinite(sigmaMax))
        {
            throw new ArgumentException(
                $"{spacing} spacing needs a finite maximum VE sigma, but {schedule.Description} ends at zero SNR (infinite sigma). Set SamplingPlanOptions.SigmaMax.", nameof(options));
        }
        if (!(sigmaMax > sigmaMin))
        {
            throw new ArgumentOutOfRangeException("options.SigmaMax", sigmaMax, $"Expected SigmaMax > SigmaMin = {sigmaMin}.");
        }
        var sigmas = new double[steps];
        if (spacing == TimestepSpacing.Karras)
        {
            var rho = options.Rho;
            if (!(rho > 0) || double.IsInfinity(rho))
            {
                throw new ArgumentOutOfRangeException("options.Rho", rho, "Expected a finite rho > 0.");
            }
            double minInv = Math.Pow(sigmaMin, 1 / rho), maxInv = Math.Pow(sigmaMax, 1 / rho);
            var ramp = DiscreteNoiseSchedule.Linspace(0, 1, steps);
            for (var i = 0; i < steps; i++)
            {
                sigmas[i] = Math.Pow(maxInv + ramp[i] * (minInv - maxInv), rho);
            }
        }
        else
        {
            var logs = DiscreteNoiseSchedule.Linspace(Math.Log(sigmaMax), Math.Log(sigmaMin), steps);
            for (var i = 0; i < steps; i++)
            {
                sigmas[i] = Math.Exp(logs[i]);
            }
        }
        if (steps == 1)
        {
            sigmas[0] = sigmaMax;
        }
        return sigmas;
    }

    private static SamplingPlan FromVeSigmas(INoiseSchedule schedule, double[] veSigmas, TimestepSpacing spacing, bool endAtData)
    {
        var timesteps = veSigmas.Select(s => schedule.TimestepOf(-2 * Math.Log(s))).ToArray();
        for (var i = 1; i < timesteps.Length; i++)
        {
            if (!(timesteps[i] < timesteps[i - 1]))
            {
                throw new ArgumentException(
                    $"{spacing} spacing gave sigmas outside the schedule's range: timesteps[{i - 1}] = {timesteps[i - 1]}, timesteps[{i}] = {timesteps[i]}. Check SigmaMin/SigmaMax.", nameof(veSigmas));
            }
        }
        return Build(schedule, timesteps, spacing, endAtData);
    }
}
