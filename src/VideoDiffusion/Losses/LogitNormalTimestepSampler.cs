using System.Globalization;
using VideoDiffusion.Schedules;
using static TorchSharp.torch;

namespace VideoDiffusion.Losses;

/// <summary>
/// Logit-normal timesteps (Esser et al. 2024, "Scaling Rectified Flow Transformers", section 3.1, eq. 19): the
/// fraction <c>u = sigmoid(m + s n)</c> with <c>n ~ N(0, 1)</c> puts more training on the intermediate noise levels;
/// the timestep is <c>u * MaxTimestep</c> (a shifted rectified-flow schedule then maps it to its shifted sigma).
/// Meant for flow matching; on a discrete schedule the fractional timesteps are interpolated by the schedule.
/// </summary>
public sealed class LogitNormalTimestepSampler : ITimestepSampler
{
    /// <summary>Creates the sampler.</summary>
    /// <param name="location">The location m of the logit. <value>The default value is 0.</value></param>
    /// <param name="scale">The scale s &gt; 0 of the logit. <value>The default value is 1.</value></param>
    /// <exception cref="ArgumentOutOfRangeException">location is not finite, or scale is not a finite positive number.</exception>
    public LogitNormalTimestepSampler(double location = 0.0, double scale = 1.0)
    {
        Location = LossArguments.Finite(location, nameof(location));
        Scale = LossArguments.Positive(scale, nameof(scale));
    }

    /// <summary>The location m of the logit.</summary>
    public double Location { get; }

    /// <summary>The scale s of the logit.</summary>
    public double Scale { get; }

    /// <inheritdoc />
    public string Description => string.Format(CultureInfo.InvariantCulture, "LogitNormal(location={0:R}, scale={1:R})", Location, Scale);

    /// <inheritdoc />
    public Tensor Sample(int batchSize, INoiseSchedule schedule, Generator generator)
    {
        TimestepDraw.Check(batchSize, schedule, generator);
        using var scope = NewDisposeScope();
        var n = randn([batchSize], ScalarType.Float64, generator.device, generator: generator);
        var u = (n * Scale + Location).sigmoid();
        return (u * schedule.MaxTimestep).clamp(0.0, schedule.MaxTimestep).to(ScalarType.Float32).MoveToOuterDisposeScope();
    }
}
