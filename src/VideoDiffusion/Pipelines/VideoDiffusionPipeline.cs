using System.Diagnostics;
using VideoDiffusion.Diffusion;
using VideoDiffusion.Internal;
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
/// throw <see cref="ObjectDisposedException"/> after that. Generation runs on the network's device and dtype.
/// <see cref="Generate"/> may run on several threads at once; a <see cref="Dispose"/> that races running generations
/// or saves cancels them at their next sampling step (they throw <see cref="ObjectDisposedException"/>) and waits
/// for them to stop before it frees the network.
/// </remarks>
public sealed class VideoDiffusionPipeline : IDisposable
{
    private readonly bool _ownsNetwork;
    private readonly ISampler? _customSampler;
    private readonly UseGate _lease;
    private volatile bool _disposed;

    /// <summary>Creates a pipeline around a network.</summary>
    /// <param name="predictor">The trained network (a <see cref="SpaceTimeUNet"/> for <see cref="Save"/>).</param>
    /// <param name="options">Schedule, sampler and defaults; null = <see cref="VideoDiffusionPipelineOptions"/> defaults.</param>
    /// <param name="ownsNetwork">Whether <see cref="Dispose"/> disposes the network.</param>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public VideoDiffusionPipeline(INoisePredictor predictor, VideoDiffusionPipelineOptions? options = null, bool ownsNetwork = false)
        : this(predictor, (options ?? new VideoDiffusionPipelineOptions()).Validate(), ownsNetwork, null, null)
    {
    }

    private VideoDiffusionPipeline(INoisePredictor predictor, VideoDiffusionPipelineOptions options, bool ownsNetwork, ISampler? customSampler, UseGate? lease)
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
        _lease = lease ?? new UseGate();
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
        return Derive(options.Validate(), _customSampler);
    }

    /// <summary>A pipeline with another of the known samplers.</summary>
    public VideoDiffusionPipeline WithSampler(SamplerKind sampler) => Derive((Options with { Sampler = sampler }).Validate(), null);

    /// <summary>A pipeline with a sampler of your own (it is not stored by <see cref="Save"/>, which records <see cref="VideoDiffusionPipelineOptions.Sampler"/>).</summary>
    public VideoDiffusionPipeline WithSampler(ISampler sampler)
    {
        ArgumentNullException.ThrowIfNull(sampler);
        return Derive(Options, sampler);
    }

    /// <summary>Whether a sampler of the caller's own is set (<see cref="WithSampler(ISampler)"/>); <see cref="Save"/> refuses such a pipeline.</summary>
    internal bool HasCustomSampler => _customSampler is not null;

    private VideoDiffusionPipeline Derive(VideoDiffusionPipelineOptions options, ISampler? sampler)
    {
        ObjectDisposedException.ThrowIf(_disposed || _lease.IsReleased, this);
        return new VideoDiffusionPipeline(Predictor, options, false, sampler, _lease);
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
    /// <exception cref="ObjectDisposedException">This pipeline, or the pipeline that owns the network, was disposed
    /// (also when that happens during the generation).</exception>
    public GeneratedClips Generate(GenerationRequest? request = null)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        request ??= new GenerationRequest();
        using var use = _lease.Enter(this);
        using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(request.CancellationToken, _lease.Disposing);
        try
        {
            return Run(request, cancellation.Token);
        }
        catch (OperationCanceledException e) when (_lease.IsReleased && !request.CancellationToken.IsCancellationRequested)
        {
            throw new ObjectDisposedException($"{nameof(VideoDiffusionPipeline)}: the network was disposed during the generation.", e);
        }
    }

    private GeneratedClips Run(GenerationRequest request, CancellationToken cancellationToken)
    {
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
        var runContext = new SamplingContext(seeded.Generators) { Callback = callback, CancellationToken = cancellationToken, Noise = Noise };
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
    /// <exception cref="ObjectDisposedException">This pipeline, or the pipeline that owns the network, was disposed.</exception>
    public void Save(string directory)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        using var use = _lease.Enter(this);
        PipelineFolder.Save(this, directory);
    }

    /// <summary>Loads a pipeline written by <see cref="Save"/>; the returned pipeline owns its network.</summary>
    /// <param name="directory">The folder.</param>
    /// <param name="device">Where to put the network; null = CPU.</param>
    /// <exception cref="FileNotFoundException">The folder or one of its files is missing.</exception>
    /// <exception cref="InvalidDataException">A file is corrupt or does not match (named in the message).</exception>
    public static VideoDiffusionPipeline Load(string directory, Device? device = null)
    {
        var (network, options) = PipelineFolder.Load(directory, device);
        return new VideoDiffusionPipeline(network, options, ownsNetwork: true, customSampler: null, lease: null); // options validated by ReadDescription
    }

    /// <summary>
    /// Disposes the network if this pipeline owns it, after cancelling and awaiting the generations and saves that use
    /// it (through this pipeline or one derived from it). Idempotent.
    /// </summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        if (_ownsNetwork && Predictor is IDisposable disposable)
        {
            _lease.Release(disposable.Dispose);
        }
    }
}
