using VideoDiffusion.Schedules;
using static TorchSharp.torch;

namespace VideoDiffusion.Losses;

/// <summary>Argument checks shared by the timestep samplers.</summary>
internal static class TimestepDraw
{
    /// <summary>Validates the arguments of <see cref="ITimestepSampler.Sample"/>.</summary>
    public static void Check(int batchSize, INoiseSchedule schedule, Generator generator)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        ArgumentNullException.ThrowIfNull(schedule);
        ArgumentNullException.ThrowIfNull(generator);
        TorchBackend.EnsureAvailable();
    }
}
