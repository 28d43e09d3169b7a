using VideoDiffusion.Diffusion;
using VideoDiffusion.Internal;
using VideoDiffusion.Predictors;
using VideoDiffusion.Samplers;
using VideoDiffusion.Schedules;
using static TorchSharp.torch;

namespace VideoDiffusion.Pipelines;

/// <summary>
/// A <see cref="GenerationRequest"/> checked against the pipeline and resolved: sizes, seeds, labels, given frames,
/// the sampling plan, and the denoiser stack. Every check runs before any sampling.
/// </summary>
internal sealed class GenerationPlan : IDisposable
{
    private readonly VideoDiffusionPipeline _pipeline;
    private readonly KnownFrameStrategy _strategy;
    private readonly Tensor? _labels;
    private readonly Tensor? _given;  // first frame [B, C, 1, H, W], key frames [B, C, K, H, W] or the clip to continue
    private readonly int[]? _positions;

    public GenerationPlan(VideoDiffusionPipeline pipeline, GenerationRequest request)
    {
        _pipeline = pipeline;
        var options = pipeline.Options;
        var network = pipeline.Predictor;
        (DType, Device) = NetworkPlacement(network);

        var count = request.Count;
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1, nameof(GenerationRequest.Count));
        var given = CountGiven(request);
        var givenTensor = request.FirstFrame ?? request.KeyFrames ?? request.Continue;
        var (givenH, givenW, givenT) = givenTensor is null ? (null, null, (int?)null) : GivenSize(request, givenTensor, network.InChannels);

        var height = request.Height ?? givenH ?? options.Height;
        var width = request.Width ?? givenW ?? options.Width;
        Frames = request.Frames ?? Math.Max(options.Frames, givenT ?? 0);
        RequireSize(nameof(GenerationRequest.Height), height, givenH, network.SpatialMultiple);
        RequireSize(nameof(GenerationRequest.Width), width, givenW, network.SpatialMultiple);
        ArgumentOutOfRangeException.ThrowIfLessThan(Frames, 1, nameof(GenerationRequest.Frames));
        Shape = [count, network.InChannels, Frames, height, width];

        Seeds = ResolveSeeds(request, count);
        var steps = request.Steps ?? options.Steps;
        ArgumentOutOfRangeException.ThrowIfLessThan(steps, 1, nameof(GenerationRequest.Steps));
        Sampling = SamplingPlan.Create(pipeline.Schedule, steps, options.Spacing);
        GuidanceScale = request.GuidanceScale ?? options.GuidanceScale;
        ClassifierFreeGuidance.RequireScale(GuidanceScale, nameof(GenerationRequest.GuidanceScale));

        _strategy = ResolveStrategy(options.KnownFrames, network, given);
        if (request.KeyFrames is not null)
        {
            _positions = KeyPositions(request, givenT!.Value, Frames);
        }
        if (request.Continue is not null)
        {
            var have = givenT!.Value;
            if (Frames < have)
            {
                throw new ArgumentOutOfRangeException(nameof(GenerationRequest.Frames), Frames,
                    $"Expected at least the {have} frames of the clip to continue.");
            }
            if (Frames > options.Frames)
            {
                Overlap = Math.Min(have, Math.Max(1, options.Frames / 2));
                Chunks = (int)Math.Ceiling((Frames - have) / (double)(options.Frames - Overlap));
            }
        }

        // Tensors last; a request that fails its remaining checks leaves none behind (the constructor's caller gets no plan to dispose).
        using var scope = NewDisposeScope();
        try
        {
            _labels = Labels(request, network, count)?.MoveToOuterDisposeScope();
            if (_labels is null && request.GuidanceScale is null)
            {
                GuidanceScale = 1.0; // the pipeline's default guidance applies to class-conditional requests only
            }
            if (GuidanceScale != 1.0 && _labels is null)
            {
                throw new ArgumentException(
                    $"Classifier-free guidance (scale {GuidanceScale}) needs ClassLabels and a class-conditional network; set GuidanceScale = 1 for unconditional generation.",
                    nameof(GenerationRequest.GuidanceScale));
            }
            if (givenTensor is not null)
            {
                _given = Batch(givenTensor, count, request.FirstFrame is not null, nameof(GenerationRequest.FirstFrame)).to(DType, Device).MoveToOuterDisposeScope();
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>Output shape <c>[B, C, T, H, W]</c>.</summary>
    public long[] Shape { get; }

    /// <summary>Frames T of the result.</summary>
    public int Frames { get; }

    /// <summary>One seed per clip.</summary>
    public long[] Seeds { get; }

    /// <summary>The plan of each sampling run.</summary>
    public SamplingPlan Sampling { get; }

    /// <summary>The guidance scale in force.</summary>
    public double GuidanceScale { get; }

    /// <summary>The network's dtype.</summary>
    public ScalarType DType { get; }

    /// <summary>The network's device.</summary>
    public Device Device { get; }

    /// <summary>The given frames as a batch on the network's device: first frame, key frames or the clip to continue.</summary>
    public Tensor? Given => _given;

    /// <summary>Sampling runs: 1, or the number of chunks of an extension.</summary>
    public int Chunks { get; } = 1;

    /// <summary>Known frames per chunk of an extension.</summary>
    public int Overlap { get; }

    /// <summary>The given frames for a single run (null when nothing is given).</summary>
    public KnownFrames? Known()
    {
        if (_given is null)
        {
            return null;
        }
        return _positions is null
            ? KnownFrames.Prefix(_given, Frames)
            : KnownFrames.AtPositions(_given, _positions, Frames);
    }

    /// <summary>The denoiser stack for a run with <paramref name="known"/> frames; dispose it after the run.</summary>
    public IDenoiser Denoiser(KnownFrames? known)
    {
        var conditioning = _labels is null ? Conditioning.None : new Conditioning { ClassLabels = _labels };
        var owned = new List<IDisposable>();
        if (known is not null && _strategy == KnownFrameStrategy.Conditioning)
        {
            var mask = known.Mask.to(DType);
            owned.Add(mask);
            conditioning = conditioning with { Frames = known.Frames, FrameMask = mask };
        }
        var predictor = new PredictorDenoiser(_pipeline.Predictor, _pipeline.Parameterization, conditioning);
        IDenoiser denoiser = predictor;
        if (GuidanceScale != 1.0)
        {
            var nullClass = ((SpaceTimeUNet)_pipeline.Predictor).NullClassLabel;
            var guided = new ClassifierFreeGuidance(predictor, conditioning, ClassifierFreeGuidance.UnconditionalFor(conditioning, nullClass),
                GuidanceScale, _pipeline.Options.GuidanceRescale);
            owned.Add(guided);
            denoiser = guided;
        }
        if (known is not null)
        {
            denoiser = _strategy switch
            {
                KnownFrameStrategy.Replacement => new ReplacementConditioning(denoiser, known),
                KnownFrameStrategy.ReconstructionGuidance => new ReconstructionGuidance(denoiser, known, _pipeline.Options.ReconstructionWeight),
                _ => denoiser,
            };
        }
        return new OwningDenoiser(denoiser, owned);
    }

    public void Dispose()
    {
        _labels?.Dispose();
        _given?.Dispose();
    }

    private static (ScalarType, Device) NetworkPlacement(INoisePredictor network)
    {
        if (network is nn.Module module)
        {
            foreach (var p in module.parameters())
            {
                return (p.dtype, p.device);
            }
        }
        return (ScalarType.Float32, CPU);
    }

    private static int CountGiven(GenerationRequest r)
    {
        var given = (r.FirstFrame is null ? 0 : 1) + (r.KeyFrames is null ? 0 : 1) + (r.Continue is null ? 0 : 1);
        if (given > 1)
        {
            throw new ArgumentException("Set at most one of FirstFrame, KeyFrames and Continue.", nameof(GenerationRequest.FirstFrame));
        }
        if (r.KeyFrames is null && r.KeyFramePositions is not null)
        {
            throw new ArgumentException("KeyFramePositions needs KeyFrames.", nameof(GenerationRequest.KeyFramePositions));
        }
        return given;
    }

    // Sizes of the given frames: FirstFrame is [C, H, W] or [B, C, H, W]; KeyFrames and Continue are [C, T, H, W] or [B, C, T, H, W].
    private static (int?, int?, int?) GivenSize(GenerationRequest r, Tensor given, int channels)
    {
        var isImage = r.FirstFrame is not null;
        var name = isImage ? nameof(GenerationRequest.FirstFrame) : r.KeyFrames is not null ? nameof(GenerationRequest.KeyFrames) : nameof(GenerationRequest.Continue);
        var single = isImage ? 3 : 4;
        var pattern = isImage ? "[C, H, W] or [B, C, H, W]" : "[C, T, H, W] or [B, C, T, H, W]";
        if ((given.dim() != single && given.dim() != single + 1) || given.shape.Any(d => d < 1))
        {
            throw new ArgumentException($"Expected {name} {pattern}, got {Shapes.Format(given)}.", name);
        }
        Shapes.RequireFloating(given, name);
        var c = given.shape[given.dim() - single];
        if (c != channels)
        {
            throw new ArgumentException($"Expected {name} with C = {channels} channels ({pattern}), got {Shapes.Format(given)}.", name);
        }
        var h = (int)given.shape[^2];
        var w = (int)given.shape[^1];
        return (h, w, isImage ? null : (int)given.shape[^3]);
    }

    private static void RequireSize(string name, int value, int? given, int multiple)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(value, 1, name);
        if (given is not null && given != value)
        {
            throw new ArgumentException($"Expected {name} = {given} (the size of the given frames), got {value}.", name);
        }
        if (value % multiple != 0)
        {
            throw new ArgumentException($"Expected {name} to be a multiple of {multiple} (the network's spatial multiple), got {value}.", name);
        }
    }

    private static long[] ResolveSeeds(GenerationRequest r, int count)
    {
        if (r.Seeds is null)
        {
            return Enumerable.Range(0, count).Select(i => r.Seed + i).ToArray();
        }
        if (r.Seeds.Count != count)
        {
            throw new ArgumentException($"Expected one seed per clip ({count}), got {r.Seeds.Count}.", nameof(GenerationRequest.Seeds));
        }
        return r.Seeds.ToArray();
    }

    private Tensor? Labels(GenerationRequest r, INoisePredictor network, int count)
    {
        if (r.ClassLabels is null)
        {
            return null;
        }
        var classes = network is SpaceTimeUNet unet ? unet.NumClasses : 0;
        if (classes == 0)
        {
            throw new ArgumentException("ClassLabels were given, but the network is not class-conditional (NumClasses = 0).", nameof(GenerationRequest.ClassLabels));
        }
        if (r.ClassLabels.Count != 1 && r.ClassLabels.Count != count)
        {
            throw new ArgumentException($"Expected 1 class label or one per clip ({count}), got {r.ClassLabels.Count}.", nameof(GenerationRequest.ClassLabels));
        }
        for (var i = 0; i < r.ClassLabels.Count; i++)
        {
            if (r.ClassLabels[i] < 0 || r.ClassLabels[i] >= classes)
            {
                throw new ArgumentOutOfRangeException(nameof(GenerationRequest.ClassLabels), r.ClassLabels[i],
                    $"Expected labels in [0, {classes - 1}] (ClassLabels[{i}]).");
            }
        }
        var labels = Enumerable.Range(0, count).Select(i => r.ClassLabels[r.ClassLabels.Count == 1 ? 0 : i]).ToArray();
        return tensor(labels, ScalarType.Int64, Device);
    }

    // Brings given frames to [B, C, K, H, W]: adds the batch (and, for an image, the frame) axis; checks the batch.
    private static Tensor Batch(Tensor given, int count, bool isImage, string name)
    {
        var t = isImage ? given.unsqueeze(-3) : given;
        if (t.dim() == 4)
        {
            return t.unsqueeze(0).expand(count, -1, -1, -1, -1);
        }
        if (t.shape[0] != count)
        {
            throw new ArgumentException($"Expected the given frames to have batch size 1 or Count = {count}, got {Shapes.Format(given)}.", name);
        }
        return t;
    }

    private static int[] KeyPositions(GenerationRequest r, int keys, int frames)
    {
        var positions = r.KeyFramePositions?.ToArray()
            ?? throw new ArgumentException($"KeyFrames needs KeyFramePositions ({keys} frame indices).", nameof(GenerationRequest.KeyFramePositions));
        if (positions.Length != keys)
        {
            throw new ArgumentException($"Expected {keys} key-frame positions (one per key frame), got {positions.Length}.", nameof(GenerationRequest.KeyFramePositions));
        }
        for (var i = 0; i < positions.Length; i++)
        {
            if (positions[i] < 0 || positions[i] >= frames || (i > 0 && positions[i] <= positions[i - 1]))
            {
                throw new ArgumentException(
                    $"Expected strictly increasing key-frame positions in [0, {frames - 1}], got KeyFramePositions[{i}] = {positions[i]}.",
                    nameof(GenerationRequest.KeyFramePositions));
            }
        }
        return positions;
    }

    private static KnownFrameStrategy ResolveStrategy(KnownFrameStrategy strategy, INoisePredictor network, int given)
    {
        var takesFrames = network is SpaceTimeUNet { Options.ConcatConditioningFrames: true };
        if (strategy == KnownFrameStrategy.Auto)
        {
            return takesFrames ? KnownFrameStrategy.Conditioning : KnownFrameStrategy.ReconstructionGuidance;
        }
        if (given > 0 && strategy == KnownFrameStrategy.Conditioning && !takesFrames)
        {
            throw new ArgumentException(
                "KnownFrames = Conditioning needs a network built with ConcatConditioningFrames; use Replacement or ReconstructionGuidance.",
                nameof(VideoDiffusionPipelineOptions.KnownFrames));
        }
        return strategy;
    }

    /// <summary>Forwards to a denoiser stack and disposes the parts it owns.</summary>
    private sealed class OwningDenoiser(IDenoiser inner, List<IDisposable> owned) : IDenoiser, IDisposable
    {
        public Denoised Denoise(Tensor xt, NoiseLevel level) => inner.Denoise(xt, level);

        public void Dispose()
        {
            foreach (var d in owned)
            {
                d.Dispose();
            }
        }
    }
}
