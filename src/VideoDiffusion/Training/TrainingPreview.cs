using VideoDiffusion.Diffusion;
using VideoDiffusion.Predictors;
using VideoDiffusion.Schedules;
using static TorchSharp.torch;

namespace VideoDiffusion.Training;

/// <summary>
/// What a preview callback gets: the network with the averaged (EMA) weights swapped in and in evaluation mode, and
/// everything needed to sample from it. Valid only during the callback: afterwards the training weights are back.
/// The callback runs under <c>no_grad</c> and must dispose what it creates (except <see cref="Generator"/>).
/// </summary>
public sealed class TrainingPreview
{
    internal TrainingPreview(long step, INoisePredictor predictor, INoiseSchedule schedule, Parameterization parameterization,
        long[] clipShape, int numClasses, Generator generator, string? runDirectory, bool usesEma)
    {
        Step = step;
        Predictor = predictor;
        Schedule = schedule;
        Parameterization = parameterization;
        ClipShape = clipShape;
        NumClasses = numClasses;
        Generator = generator;
        RunDirectory = runDirectory;
        UsesEma = usesEma;
    }

    /// <summary>Steps done.</summary>
    public long Step { get; }

    /// <summary>The network (averaged weights when <see cref="UsesEma"/>).</summary>
    public INoisePredictor Predictor { get; }

    /// <summary>The schedule it is trained with.</summary>
    public INoiseSchedule Schedule { get; }

    /// <summary>What it predicts.</summary>
    public Parameterization Parameterization { get; }

    /// <summary>Shape of one training clip <c>[C, T, H, W]</c>.</summary>
    public IReadOnlyList<long> ClipShape { get; }

    /// <summary>Classes of the training labels (0 = unconditional); class NumClasses is the null class.</summary>
    public int NumClasses { get; }

    /// <summary>A generator seeded with <see cref="TrainerOptions.PreviewSeed"/> (fresh for each preview; owned by the trainer).</summary>
    public Generator Generator { get; }

    /// <summary>The run directory, or null.</summary>
    public string? RunDirectory { get; }

    /// <summary>Whether the averaged weights are swapped in (false when the run has no EMA).</summary>
    public bool UsesEma { get; }
}
