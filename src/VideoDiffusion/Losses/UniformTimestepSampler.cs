using static TorchSharp.torch;
using VideoDiffusion.Schedules;

namespace VideoDiffusion.Losses;

/// <summary>
/// Uniform timesteps (Ho et al. 2020, Algorithm 1): integers uniform on <c>{0, …, TrainSteps - 1}</c> for a discrete
/// schedule, reals uniform on <c>[0, MaxTimestep]</c> for a continuous one.
/// </summary>
public sealed class UniformTimestepSampler : ITimestepSampler
{
    /// <summary>The shared instance.</summary>
    public static UniformTimestepSampler Instance { get; } = new();

    /// <inheritdoc />
    public string Description => "Uniform";

    /// <inheritdoc />
    public Tensor Sample(int batchSize, INoiseSchedule schedule, Generator generator)
    {
        TimestepDraw.Check(batchSize, schedule, generator);
        using var scope = NewDisposeScope();
        var t = schedule.IsContinuous
            ? rand([batchSize], ScalarType.Float64, generator.device, generator: generator) * schedule.MaxTimestep
            : randint(0, schedule.TrainSteps, [batchSize], ScalarType.Int64, generator.device, generator: generator);
        return t.to(ScalarType.Float32).MoveToOuterDisposeScope();
    }
}
