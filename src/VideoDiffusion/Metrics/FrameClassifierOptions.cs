namespace VideoDiffusion.Metrics;

/// <summary>How <see cref="FrameClassifier.Train"/> builds and trains its network. Every option has a default that trains a
/// BouncingShapes or Moving MNIST frame classifier in seconds on a 2-core CPU.</summary>
public sealed record FrameClassifierOptions
{
    /// <summary>Channels of the first convolution; the second and third have twice as many. <value>The default value is 16.</value></summary>
    public int Width { get; init; } = 16;

    /// <summary>Length D of the per-frame feature vector (the pooled last convolution). <value>The default value is 32.</value></summary>
    public int FeatureSize { get; init; } = 32;

    /// <summary>Optimizer steps. <value>The default value is 200.</value></summary>
    public int Steps { get; init; } = 200;

    /// <summary>Clips per step; every frame of each clip is one training example. <value>The default value is 8.</value></summary>
    public int ClipsPerStep { get; init; } = 8;

    /// <summary>Adam learning rate. <value>The default value is 0.003.</value></summary>
    public double LearningRate { get; init; } = 3e-3;

    /// <summary>Clips held out after training to measure <see cref="FrameClassifier.ValidationAccuracy"/>. <value>The default value is 64.</value></summary>
    public int ValidationClips { get; init; } = 64;

    /// <summary>Seed of the initial weights and of the order clips are drawn in. <value>The default value is 0.</value></summary>
    public long Seed { get; init; }

    /// <summary>Checks every option.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(Width, 1, nameof(Width));
        ArgumentOutOfRangeException.ThrowIfLessThan(FeatureSize, 1, nameof(FeatureSize));
        ArgumentOutOfRangeException.ThrowIfLessThan(Steps, 1, nameof(Steps));
        ArgumentOutOfRangeException.ThrowIfLessThan(ClipsPerStep, 1, nameof(ClipsPerStep));
        if (!(LearningRate > 0 && LearningRate <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(LearningRate), LearningRate, "Expected a learning rate in (0, 1].");
        }
        ArgumentOutOfRangeException.ThrowIfLessThan(ValidationClips, 1, nameof(ValidationClips));
    }
}
