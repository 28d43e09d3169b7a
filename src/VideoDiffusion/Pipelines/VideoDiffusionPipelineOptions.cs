using VideoDiffusion.Diffusion;
using VideoDiffusion.Noise;
using VideoDiffusion.Samplers;
using VideoDiffusion.Schedules;

namespace VideoDiffusion.Pipelines;

/// <summary>
/// Everything a <see cref="VideoDiffusionPipeline"/> needs besides the network, as an immutable record that is stored
/// in the pipeline's <c>pipeline.json</c>. The defaults work: DPM-Solver++(2M) with trailing spacing and 25 steps.
/// </summary>
public sealed record VideoDiffusionPipelineOptions
{
    /// <summary>The noise schedule the network was trained with. <value>The default value is <see cref="KnownNoiseSchedules.Cosine"/>.</value></summary>
    public NoiseScheduleOptions Schedule { get; init; } = KnownNoiseSchedules.Cosine;

    /// <summary>What the network predicts. <value>The default value is <see cref="ParameterizationKind.V"/>.</value></summary>
    public ParameterizationKind Parameterization { get; init; } = ParameterizationKind.V;

    /// <summary>The sampler. <value>The default value is <see cref="SamplerKind.DpmSolverPlusPlus2M"/>.</value></summary>
    public SamplerKind Sampler { get; init; } = SamplerKind.DpmSolverPlusPlus2M;

    /// <summary>How sampling steps are placed. <value>The default value is <see cref="TimestepSpacing.Trailing"/>.</value></summary>
    public TimestepSpacing Spacing { get; init; } = TimestepSpacing.Trailing;

    /// <summary>Sampling steps (denoiser evaluations per clip, times the sampler's evaluations per step). <value>The default value is 25.</value></summary>
    public int Steps { get; init; } = 25;

    /// <summary>The noise the start sample x_T and stochastic samplers draw. <value>The default value is Gaussian.</value></summary>
    public NoiseSourceOptions Noise { get; init; } = NoiseSourceOptions.Gaussian;

    /// <summary>
    /// Classifier-free guidance scale w (1 = no guidance, 0 = unconditional), applied to requests with class labels;
    /// requests without labels are sampled unguided; at most <see cref="ClassifierFreeGuidance.MaxScale"/> in magnitude.
    /// <value>The default value is 1.</value>
    /// </summary>
    public double GuidanceScale { get; init; } = 1.0;

    /// <summary>Guidance rescale phi in [0, 1] (Lin et al. 2023). <value>The default value is 0.</value></summary>
    public double GuidanceRescale { get; init; }

    /// <summary>How given frames constrain the clip. <value>The default value is <see cref="KnownFrameStrategy.Auto"/>.</value></summary>
    public KnownFrameStrategy KnownFrames { get; init; } = KnownFrameStrategy.Auto;

    /// <summary>Weight of reconstruction guidance (Ho et al. 2022 use w_r &gt; 1). <value>The default value is 4.</value></summary>
    public double ReconstructionWeight { get; init; } = 4.0;

    /// <summary>Frames per clip when a request does not say (the clip length the network was trained on). <value>The default value is 16.</value></summary>
    public int Frames { get; init; } = 16;

    /// <summary>Frame height when a request does not say. <value>The default value is 32.</value></summary>
    public int Height { get; init; } = 32;

    /// <summary>Frame width when a request does not say. <value>The default value is 32.</value></summary>
    public int Width { get; init; } = 32;

    /// <summary>Frames per second of saved GIFs and MP4s. <value>The default value is 8.</value></summary>
    public double FramesPerSecond { get; init; } = 8.0;

    /// <summary>Human-readable names of the class labels (index = label), for samples and files; may be empty.</summary>
    public IReadOnlyList<string> ClassNames { get; init; } = [];

    /// <summary>Checks every value; returns this instance.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A value is outside its documented range.</exception>
    /// <exception cref="ArgumentNullException">Schedule or ClassNames is null.</exception>
    public VideoDiffusionPipelineOptions Validate()
    {
        ArgumentNullException.ThrowIfNull(Schedule);
        ArgumentNullException.ThrowIfNull(ClassNames);
        ArgumentNullException.ThrowIfNull(Noise);
        Noise.Build();
        Schedule.Build();
        CheckDefined(Parameterization, nameof(Parameterization));
        CheckDefined(Sampler, nameof(Sampler));
        CheckDefined(Spacing, nameof(Spacing));
        CheckDefined(KnownFrames, nameof(KnownFrames));
        ArgumentOutOfRangeException.ThrowIfLessThan(Steps, 1, nameof(Steps));
        ArgumentOutOfRangeException.ThrowIfLessThan(Frames, 1, nameof(Frames));
        ArgumentOutOfRangeException.ThrowIfLessThan(Height, 1, nameof(Height));
        ArgumentOutOfRangeException.ThrowIfLessThan(Width, 1, nameof(Width));
        ClassifierFreeGuidance.RequireScale(GuidanceScale, nameof(GuidanceScale));
        if (!(GuidanceRescale >= 0 && GuidanceRescale <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(GuidanceRescale), GuidanceRescale, "Expected a guidance rescale in [0, 1].");
        }
        if (!(ReconstructionWeight >= 0) || double.IsInfinity(ReconstructionWeight))
        {
            throw new ArgumentOutOfRangeException(nameof(ReconstructionWeight), ReconstructionWeight, "Expected a finite weight >= 0.");
        }
        if (!(FramesPerSecond > 0) || double.IsInfinity(FramesPerSecond))
        {
            throw new ArgumentOutOfRangeException(nameof(FramesPerSecond), FramesPerSecond, "Expected a finite frame rate > 0.");
        }
        return this;
    }

    private static void CheckDefined<T>(T value, string name) where T : struct, Enum
    {
        if (!Enum.IsDefined(value))
        {
            throw new ArgumentOutOfRangeException(name, value, $"Unknown {typeof(T).Name}.");
        }
    }
}
