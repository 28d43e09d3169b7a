using VideoDiffusion.Schedules;
using static TorchSharp.torch;

namespace VideoDiffusion.Losses;

/// <summary>
/// Draws the training timesteps of a batch: which noise levels the network is trained on, and how often. Implementations
/// are immutable; all randomness comes from the generator passed in.
/// </summary>
public interface ITimestepSampler
{
    /// <summary>Draws <paramref name="batchSize"/> timesteps for <paramref name="schedule"/>.</summary>
    /// <param name="batchSize">Number of timesteps B &gt;= 1.</param>
    /// <param name="schedule">The schedule whose range <c>[0, MaxTimestep]</c> the timesteps lie in.</param>
    /// <param name="generator">The random generator; the draw is made on its device.</param>
    /// <returns>Timesteps <c>[B]</c> float32 on the generator's device, in <c>[0, MaxTimestep]</c>.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="batchSize"/> is less than 1.</exception>
    Tensor Sample(int batchSize, INoiseSchedule schedule, Generator generator);

    /// <summary>A short description with every parameter.</summary>
    string Description { get; }
}
