using System.Globalization;
using System.Text.Json.Serialization;
using VideoDiffusion.Data;
using VideoDiffusion.Diffusion;
using VideoDiffusion.Losses;
using VideoDiffusion.Noise;

namespace VideoDiffusion.Training;

/// <summary>
/// Everything about a training run except the network, the schedule and the data. Validated when the
/// <see cref="Trainer"/> is built. The numeric options are stored in every checkpoint (as JSON); the pluggable parts
/// (parameterization, loss, noise, timestep sampler) are stored by their descriptions.
/// </summary>
public sealed record TrainerOptions
{
    private const double MaxLearningRate = 1;
    private const double MaxWeightDecay = 1;
    private const double MaxBeta = 1 - 1e-12;
    private const double MaxGradNormLimit = 1e6;

    /// <summary>Planned number of optimizer steps: where <see cref="Trainer.Train"/> stops and where the learning-rate decay ends. <value>The default value is 10000.</value></summary>
    public long TotalSteps { get; init; } = 10_000;

    /// <summary>Clips per micro-batch. <value>The default value is 8.</value></summary>
    public int BatchSize { get; init; } = 8;

    /// <summary>Micro-batches whose gradients are summed (each scaled by 1/N) before one optimizer step, &gt;= 1. <value>The default value is 1.</value></summary>
    public int GradientAccumulationSteps { get; init; } = 1;

    /// <summary>Seed of everything random in the run: data order and augmentation, noise, timesteps, label dropout. <value>The default value is 0.</value></summary>
    public long Seed { get; init; }

    /// <summary>
    /// Base learning rate of AdamW (Loshchilov &amp; Hutter 2019), in [0, 1]: Adam moves every weight by about the learning
    /// rate per step, so larger values only destroy the weights (and values beyond float32 crash libtorch).
    /// <value>The default value is 1e-4.</value>
    /// </summary>
    public double LearningRate { get; init; } = 1e-4;

    /// <summary>AdamW beta1, in [0, 1 - 1e-12]. <value>The default value is 0.9.</value></summary>
    public double Beta1 { get; init; } = 0.9;

    /// <summary>AdamW beta2, in [0, 1 - 1e-12]. <value>The default value is 0.999.</value></summary>
    public double Beta2 { get; init; } = 0.999;

    /// <summary>AdamW epsilon, in (0, 1] (0 divides by zero where a gradient has always been zero). <value>The default value is 1e-8.</value></summary>
    public double AdamEpsilon { get; init; } = 1e-8;

    /// <summary>
    /// AdamW decoupled weight decay, in [0, 1]: each step multiplies the weights by <c>1 - lr * WeightDecay</c>, which stays
    /// in [0, 1] with both options in range. <value>The default value is 0.01.</value>
    /// </summary>
    public double WeightDecay { get; init; } = 0.01;

    /// <summary>The learning-rate schedule. <value>The default value is <see cref="LearningRateSchedule.Constant"/>.</value></summary>
    public LearningRateSchedule LearningRateSchedule { get; init; } = LearningRateSchedule.Constant;

    /// <summary>Clip the gradients to this global L2 norm, in (0, 1e6]; null = no clipping (the norm is still reported). <value>The default value is 1.</value></summary>
    public double? MaxGradNorm { get; init; } = 1.0;

    /// <summary>EMA decay cap (see <see cref="ExponentialMovingAverage"/>), in [0, 1 - 1e-12]; null = no EMA. <value>The default value is 0.9999.</value></summary>
    public double? EmaDecay { get; init; } = 0.9999;

    /// <summary>Use the EMA warmup decay <c>min(decay, (1 + n) / (10 + n))</c>. <value>The default value is true.</value></summary>
    public bool EmaWarmup { get; init; } = true;

    /// <summary>Pass the dataset's labels to the network when it has any. <value>The default value is true.</value></summary>
    public bool UseClassLabels { get; init; } = true;

    /// <summary>
    /// Probability that a label is replaced by the null class (index NumClasses) so the same network learns the
    /// unconditional prediction for classifier-free guidance (Ho &amp; Salimans 2022). <value>The default value is 0.1.</value>
    /// </summary>
    public double ClassDropout { get; init; } = 0.1;

    /// <summary>
    /// Share of batches trained as independent frames (<see cref="Predictors.Conditioning.IndependentFrames"/>): joint
    /// image-video training (Ho et al. 2022, section 3.2). In [0, 1]. <value>The default value is 0.</value>
    /// </summary>
    public double ImageBatchShare { get; init; }

    /// <summary>Reduced-precision training on CUDA; no-op on the CPU. <value>The default value is <see cref="Training.MixedPrecision.None"/>.</value></summary>
    public MixedPrecision MixedPrecision { get; init; } = MixedPrecision.None;

    /// <summary>Consecutive skipped steps (non-finite loss or gradients) after which training stops with an exception, &gt;= 1. <value>The default value is 10.</value></summary>
    public int MaxConsecutiveNonFiniteSteps { get; init; } = 10;

    /// <summary>
    /// Directory of the run: metrics log <c>metrics.jsonl</c> and <c>checkpoints/</c>; null = neither. An empty or blank
    /// path is rejected (it would silently mean the current directory). <value>The default value is null.</value>
    /// </summary>
    public string? RunDirectory { get; init; }

    /// <summary>Write a metrics line every N steps (0 = never). <value>The default value is 10.</value></summary>
    public int LogEvery { get; init; } = 10;

    /// <summary>Write a checkpoint every N steps (0 = only at the end); needs <see cref="RunDirectory"/>. <value>The default value is 1000.</value></summary>
    public int CheckpointEvery { get; init; } = 1000;

    /// <summary>Write a checkpoint when <see cref="Trainer.Train"/> finishes (not when cancelled or failed). <value>The default value is true.</value></summary>
    public bool CheckpointAtEnd { get; init; } = true;

    /// <summary>Checkpoints kept in the run directory (older ones are deleted after a new one is complete), &gt;= 1. <value>The default value is 3.</value></summary>
    public int KeepCheckpoints { get; init; } = 3;

    /// <summary>Call <see cref="Preview"/> every N steps (0 = never). <value>The default value is 0.</value></summary>
    public int PreviewEvery { get; init; }

    /// <summary>Seed of the generator handed to <see cref="Preview"/> (the same every time, so previews are comparable). <value>The default value is 1234.</value></summary>
    public long PreviewSeed { get; init; } = 1234;

    /// <summary>Background batches prepared ahead by the data loader. <value>The default value is 2.</value></summary>
    public int PrefetchBatches { get; init; } = 2;

    /// <summary>What the network predicts. <value>The default value is <see cref="Parameterization.Epsilon"/>.</value></summary>
    [JsonIgnore]
    public Parameterization Parameterization { get; init; } = Parameterization.Epsilon;

    /// <summary>The training loss. <value>The default value is <see cref="DiffusionLoss.Simple"/>.</value></summary>
    [JsonIgnore]
    public IDiffusionLoss Loss { get; init; } = DiffusionLoss.Simple;

    /// <summary>Where the noise comes from. <value>The default value is <see cref="GaussianNoise.Instance"/>.</value></summary>
    [JsonIgnore]
    public INoiseSource Noise { get; init; } = GaussianNoise.Instance;

    /// <summary>How training timesteps are drawn. <value>The default value is <see cref="UniformTimestepSampler.Instance"/>.</value></summary>
    [JsonIgnore]
    public ITimestepSampler Timesteps { get; init; } = UniformTimestepSampler.Instance;

    /// <summary>Random clip transformation applied by the loader, or null. <value>The default value is null.</value></summary>
    [JsonIgnore]
    public IVideoAugmentation? Augmentation { get; init; }

    /// <summary>Called every <see cref="PreviewEvery"/> steps with the averaged weights swapped in (e.g. to write a GIF). <value>The default value is null.</value></summary>
    [JsonIgnore]
    public Action<TrainingPreview>? Preview { get; init; }

    /// <summary>Throws when an option is out of range.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of its documented range (the message names the option, the range and the value).</exception>
    /// <exception cref="ArgumentException"><see cref="RunDirectory"/> is empty or blank.</exception>
    /// <exception cref="ArgumentNullException">A required part is null.</exception>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(TotalSteps, 1, nameof(TotalSteps));
        ArgumentOutOfRangeException.ThrowIfLessThan(BatchSize, 1, nameof(BatchSize));
        ArgumentOutOfRangeException.ThrowIfLessThan(GradientAccumulationSteps, 1, nameof(GradientAccumulationSteps));
        RequireRange(LearningRate, 0, MaxLearningRate, nameof(LearningRate));
        RequireRange(Beta1, 0, MaxBeta, nameof(Beta1));
        RequireRange(Beta2, 0, MaxBeta, nameof(Beta2));
        if (!(AdamEpsilon > 0 && AdamEpsilon <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(AdamEpsilon), AdamEpsilon, $"Expected an AdamEpsilon in (0, 1], got {Format(AdamEpsilon)}.");
        }
        RequireRange(WeightDecay, 0, MaxWeightDecay, nameof(WeightDecay));
        if (MaxGradNorm is { } norm && !(norm > 0 && norm <= MaxGradNormLimit))
        {
            throw new ArgumentOutOfRangeException(nameof(MaxGradNorm), norm,
                $"Expected a MaxGradNorm in (0, {Format(MaxGradNormLimit)}] (or null for no clipping), got {Format(norm)}.");
        }
        if (EmaDecay is { } decay)
        {
            RequireRange(decay, 0, MaxBeta, nameof(EmaDecay));
        }
        RequireRange(ClassDropout, 0, 1, nameof(ClassDropout));
        RequireRange(ImageBatchShare, 0, 1, nameof(ImageBatchShare));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxConsecutiveNonFiniteSteps, 1, nameof(MaxConsecutiveNonFiniteSteps));
        ArgumentOutOfRangeException.ThrowIfNegative(LogEvery, nameof(LogEvery));
        ArgumentOutOfRangeException.ThrowIfNegative(CheckpointEvery, nameof(CheckpointEvery));
        ArgumentOutOfRangeException.ThrowIfLessThan(KeepCheckpoints, 1, nameof(KeepCheckpoints));
        ArgumentOutOfRangeException.ThrowIfNegative(PreviewEvery, nameof(PreviewEvery));
        ArgumentOutOfRangeException.ThrowIfNegative(PrefetchBatches, nameof(PrefetchBatches));
        if (RunDirectory is not null && string.IsNullOrWhiteSpace(RunDirectory))
        {
            throw new ArgumentException(
                $"Expected a RunDirectory path, or null for no run directory; got '{RunDirectory}' (empty or blank).", nameof(RunDirectory));
        }
        if (!Enum.IsDefined(MixedPrecision))
        {
            throw new ArgumentOutOfRangeException(nameof(MixedPrecision), MixedPrecision, "Unknown mixed-precision mode.");
        }
        ArgumentNullException.ThrowIfNull(LearningRateSchedule, nameof(LearningRateSchedule));
        LearningRateSchedule.Validate();
        ArgumentNullException.ThrowIfNull(Parameterization, nameof(Parameterization));
        ArgumentNullException.ThrowIfNull(Loss, nameof(Loss));
        ArgumentNullException.ThrowIfNull(Noise, nameof(Noise));
        ArgumentNullException.ThrowIfNull(Timesteps, nameof(Timesteps));
    }

    private static void RequireRange(double value, double min, double max, string name)
    {
        if (!(value >= min && value <= max))
        {
            throw new ArgumentOutOfRangeException(name, value, $"Expected a {name} in [{Format(min)}, {Format(max)}], got {Format(value)}.");
        }
    }

    private static string Format(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
