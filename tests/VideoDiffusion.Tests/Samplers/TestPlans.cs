using VideoDiffusion.Schedules;

namespace VideoDiffusion.Tests.Samplers;

/// <summary>Schedules and plans shared by the sampler tests.</summary>
internal static class TestPlans
{
    public static INoiseSchedule Linear { get; } = KnownNoiseSchedules.Linear.Build();

    public static INoiseSchedule CosineZeroTerminalSnr { get; } = KnownNoiseSchedules.CosineZeroTerminalSnr.Build();

    public static INoiseSchedule RectifiedFlow { get; } = KnownNoiseSchedules.RectifiedFlow.Build();

    public static SamplingPlan Trailing(int steps, INoiseSchedule? schedule = null) =>
        SamplingPlan.Create(schedule ?? Linear, steps, TimestepSpacing.Trailing);

    /// <summary>
    /// N steps uniform in lambda = ln(alpha / sigma) from the schedule's last timestep to its timestep 0, ending there
    /// (not at data): a smooth grid that refines uniformly as N grows, for measuring convergence orders.
    /// </summary>
    public static SamplingPlan LambdaUniform(int steps, INoiseSchedule? schedule = null)
    {
        schedule ??= Linear;
        var start = schedule.Level(schedule.MaxTimestep).Lambda;
        var end = schedule.Level(0).Lambda;
        var timesteps = Enumerable.Range(0, steps)
            .Select(i => schedule.TimestepOf(2 * (start + (end - start) * i / steps)))
            .ToArray();
        timesteps[0] = schedule.MaxTimestep;
        return SamplingPlan.FromTimesteps(schedule, timesteps, endAtData: false);
    }

    /// <summary>Standard normal of <paramref name="shape"/> from a seeded CPU generator.</summary>
    public static Tensor Normal(long seed, ScalarType dtype, params long[] shape)
    {
        using var g = new Generator((ulong)seed, CPU);
        return randn(shape, dtype, generator: g);
    }
}
