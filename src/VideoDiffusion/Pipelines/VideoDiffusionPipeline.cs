using System.Diagnostics;
using VideoDiffusion.Diffusion;
using VideoDiffusion.Noise;
using VideoDiffusion.Predictors;
using VideoDiffusion.Samplers;
using VideoDiffusion.Schedules;
using static TorchSharp.torch;

namespace VideoDiffusion.Pipelines;

/// <summary>
/// The composition a user reaches for first: a trained network with the schedule, parameterization, sampler, spacing
/// and noise it is sampled with. <see cref="Generate"/> makes unconditional or class-conditional clips, animates a
/// first frame, interpolates key frames or continues a clip; <see cref="Save"/> and <see cref="Load"/> store the whole
/// pipeline as one folder (<c>model.safetensors</c> + <c>pipeline.json</c>).
/// </summary>
/// <remarks>
/// The pipeline is immutable: the <c>With…</c> methods return a new pipeline that shares the network. The pipeline
/// made by <see cref="Load"/> (or built with <c>ownsNetwork: true</c>) disposes the network; pipelines derived from it
/// must not be used after that. Generation runs on the network's device and dtype.
/// </remarks>
public sealed class VideoDiffusionPipeline : IDisposable
{
    private readonly bool _ownsNetwork;
    private readonly ISampler? _customSampler;

    /// <summary>Creates a pipeline around a network.</summary>
    /// <param name="predictor">The trained network (a <see cref="SpaceTimeUNet"/> for <see cref="Save"/>).</param>
    /// <param name="options">Schedule, sampler and defaults; null = <see cref="VideoDiffusionPipelineOptions"/> defaults.</param>
    /// <param name="ownsNetwork">Whether <see cref="Dispose"/> disposes the network.</param>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public VideoDiffusionPipeline(INoisePredictor predictor, VideoDiffusionPipelineOptions? options = null, bool ownsNetwork = false)
        : this(predictor, (options ?? new VideoDiffusionPipelineOptions()).Validate(), ownsNetwork, null)
    {
    }

    private VideoDiffusionPipeline(INoisePredictor predictor, VideoDiffusionPipelineOptions options, bool ownsNetwork, ISampler? customSampler)
    {
        ArgumentNullException.ThrowIfNull(predictor);
        TorchBackend.EnsureAvailable();
        Predictor = predictor;
        Options = options;
        Schedule = options.Schedule.Build();
        Parameterization = Diffusion.Parameterization.FromKind(options.Parameterization);
        Noise = options.Noise.Build();
        _customSampler = customSampler;
        _ownsNetwork = ownsNetwork;
    }

    /// <summary>The network.</summary>
    public INoisePredictor Predictor { get; }

    /// <summary>The options (schedule, sampler, defaults).</summary>
    public VideoDiffusionPipelineOptions Options { get; }

    /// <summary>The schedule built from <see cref="VideoDiffusionPipelineOptions.Schedule"/>.</summary>
    public INoiseSchedule Schedule { get; }

    /// <summary>What the network predicts.</summary>
    public Parameterization Parameterization { get; }

    /// <summary>The sampler: a custom one from <see cref="WithSampler(ISampler)"/>, else <see cref="VideoDiffusionPipelineOptions.Sampler"/>.</summary>
    public ISampler Sampler => _customSampler ?? KnownSamplers.FromKind(Options.Sampler);

    /// <summary>The noise source of x_T and of stochastic samplers.</summary>
    public INoiseSource Noise { get; }

    /// <summary>A pipeline with other options and the same network (which it does not own).</summary>
    public VideoDiffusionPipeline WithOptions(VideoDiffusionPipelineOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new VideoDiffusionPipeline(Predictor, options.Validate(), false, _customSampler);
    }

    /// <summary>A pipeline with another of the known samplers.</summary>
    public VideoDiffusionPipeline WithSampler(SamplerKind sampler) =>
        new(Predictor, (Options with { Sampler = sampler }).Validate(), false, null);

    /// <summary>A pipeline with a sampler of your own (it is not stored by <see cref="Save"/>, which records <see cref="VideoDiffusionPipelineOptions.Sampler"/>).</summary>
    public VideoDiffusionPipeline WithSampler(ISampler sampler)
    {
        ArgumentNullException.ThrowIfNull(sampler);
        return new VideoDiffusionPipeline(Predictor, Options, false, sampler);
    }

    /// <summary>A pipeline with another number of sampling steps.</summary>
    public VideoDiffusionPipeline WithSteps(int steps) => WithOptions(Options with { Steps = steps });

    /// <summary>A pipeline with another step spacing.</summary>
    public VideoDiffusionPipeline WithSpacing(TimestepSpacing spacing) => WithOptions(Options with { Spacing = spacing });

    /// <summary>A pipeline with classifier-free guidance (scale w, rescale phi).</summary>
    public VideoDiffusionPipeline WithGuidance(double scale, double rescale = 0) =>
        WithOptions(Options with { GuidanceScale = scale, GuidanceRescale = rescale });

    /// <summary>A pipeline with another noise source.</summary>
    public VideoDiffusionPipeline WithNoise(NoiseSourceOptions noise) => WithOptions(Options with { Noise = noise });

    /// <summary>
    /// Generates clips. Each clip depends only on its seed (and label and given frames), not on the batch it is made in.
    /// </summary>
    /// <param name="request">What to generate; null = one unconditional clip of the default size with seed 0.</param>
    /// <returns>The clips, float32 on the CPU in [-1, 1]; given frames are returned exactly.</returns>
    /// <exception cref="ArgumentException">The request is inconsistent (sizes, label counts, seeds, given frames); the
    /// message names the field, the expected and the actual value.</exception>
    /// <exception cref="OperationCanceledException">The request's token was cancelled.</exception>
    public GeneratedClips Generate(GenerationRequest? request = null)
    {
        request ??= new GenerationRequest();
        using var plan = new GenerationPlan(this, request);
        var stopwatch = Stopwatch.StartNew();
        var done = 0;
        var chunks = plan.Chunks;
        var totalSteps = plan.Sampling.Steps * chunks;
        SamplingCallback? callback = request.Progress is null
            ? null
            : _ =>
            {
                request.Progress.Report(new GenerationProgress(++done, totalSteps, stopwatch.Elapsed));
                return null;
            };

        using var seeded = SamplingContext.FromSeeds(plan.Seeds);
        var runContext = new SamplingContext(seeded.Generators) { Callback = callback, CancellationToken = request.CancellationToken, Noise = Noise };
        using var scope = NewDisposeScope();
        Tensor videos;
        if (chunks > 1)
        {
            var extender = new VideoExtender(Sampler, plan.Sampling, known => plan.Denoiser(known), Options.Frames, plan.Overlap);
            videos = extender.Extend(plan.Given!, plan.Frames, runContext);
        }
        else
        {
            using var known = plan.Known();
            var denoiser = plan.Denoiser(known);
            try
            {
                videos = Sampler.Generate(denoiser, plan.Shape, plan.Sampling, runContext, plan.DType, plan.Device);
                if (known is not null)
                {
                    videos = known.Paste(videos);
                }
            }
            finally
            {
                (denoiser as IDisposable)?.Dispose();
            }
        }
        var result = videos.clamp(-1, 1).to(ScalarType.Float32, CPU).contiguous();
        return new GeneratedClips(result.MoveToOuterDisposeScope(), plan.Seeds, Options.FramesPerSecond);
    }

    /// <summary>Runs <see cref="Generate"/> on a thread-pool thread.</summary>
    public Task<GeneratedClips> GenerateAsync(GenerationRequest? request = null) =>
        Task.Run(() => Generate(request), request?.CancellationToken ?? CancellationToken.None);

    /// <summary>
    /// Writes the pipeline to <paramref name="directory"/>: <c>model.safetensors</c> (the network's state dict) and
    /// <c>pipeline.json</c> (network options and these options). The folder is written next to the target and renamed
    /// into place; an existing folder is replaced only once the new one is complete.
    /// </summary>
    /// <exception cref="InvalidOperationException">The network is not a <see cref="SpaceTimeUNet"/>, or a custom sampler is set.</exception>
    public void Save(string directory) => PipelineFolder.Save(this, directory);

    /// <summary>Loads a pipeline written by <see cref="Save"/>; the returned pipeline owns its network.</summary>
    /// <param name="directory">The folder.</param>
    /// <param name="device">Where to put the network; null = CPU.</param>
    /// <exception cref="FileNotFoundException">The folder or one of its files is missing.</exception>
    /// <exception cref="InvalidDataException">A file is corrupt or does not match (named in the message).</exception>
    public static VideoDiffusionPipeline Load(string directory, Device? device = null)
    {
        var (network, options) = PipelineFolder.Load(directory, device);
        return new VideoDiffusionPipeline(network, options, ownsNetwork: true, customSampler: null); // options validated by ReadDescription
    }

    /// <summary>Disposes the network if this pipeline owns it.</summary>
    public void Dispose()
    {
        if (_ownsNetwork && Predictor is IDisposable disposable)
        {
            disposable.Dispose();
        }
    }
}
