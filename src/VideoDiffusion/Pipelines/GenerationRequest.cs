using static TorchSharp.torch;

namespace VideoDiffusion.Pipelines;

/// <summary>
/// What to generate: how many clips of what size, for which classes and seeds, and — for image-to-video,
/// interpolation and extension — which frames are given. At most one of <see cref="FirstFrame"/>,
/// <see cref="KeyFrames"/> and <see cref="Continue"/> may be set. Null values fall back to the pipeline's options.
/// </summary>
public sealed record GenerationRequest
{
    /// <summary>Number of clips B; when labels or given frames carry a batch, it must match. <value>The default value is 1.</value></summary>
    public int Count { get; init; } = 1;

    /// <summary>Frames per clip T; null = the pipeline's <see cref="VideoDiffusionPipelineOptions.Frames"/> (or the given clip's length for <see cref="Continue"/> … at least).</summary>
    public int? Frames { get; init; }

    /// <summary>Frame height; null = the pipeline's default (or the given frames' height).</summary>
    public int? Height { get; init; }

    /// <summary>Frame width; null = the pipeline's default (or the given frames' width).</summary>
    public int? Width { get; init; }

    /// <summary>Class label of each clip (length 1 = the same for all, or Count); null = unconditional (the null class of a class-conditional network).</summary>
    public IReadOnlyList<long>? ClassLabels { get; init; }

    /// <summary>Seed of the first clip; clip i uses <c>Seed + i</c> unless <see cref="Seeds"/> is given. <value>The default value is 0.</value></summary>
    public long Seed { get; init; }

    /// <summary>One seed per clip (length Count). A clip depends only on its own seed, not on the batch it is made in.</summary>
    public IReadOnlyList<long>? Seeds { get; init; }

    /// <summary>Overrides the pipeline's sampling steps.</summary>
    public int? Steps { get; init; }

    /// <summary>Overrides the pipeline's guidance scale.</summary>
    public double? GuidanceScale { get; init; }

    /// <summary>Image-to-video: the first frame, <c>[C, H, W]</c> (all clips) or <c>[B, C, H, W]</c>, in model space [-1, 1].</summary>
    public Tensor? FirstFrame { get; init; }

    /// <summary>Interpolation: key frames <c>[C, K, H, W]</c> or <c>[B, C, K, H, W]</c> placed at <see cref="KeyFramePositions"/>.</summary>
    public Tensor? KeyFrames { get; init; }

    /// <summary>Frame indices (0-based, strictly increasing, &lt; Frames) of the K key frames.</summary>
    public IReadOnlyList<int>? KeyFramePositions { get; init; }

    /// <summary>
    /// Extension: a clip <c>[C, T0, H, W]</c> or <c>[B, C, T0, H, W]</c> to continue to <see cref="Frames"/> frames. Longer
    /// than the pipeline's clip length, it is extended chunk by chunk, each chunk conditioned on the last frames so far.
    /// </summary>
    public Tensor? Continue { get; init; }

    /// <summary>Receives one report per sampling step (numbers only; reported synchronously by the generating thread when it is a plain <see cref="IProgress{T}"/>).</summary>
    public IProgress<GenerationProgress>? Progress { get; init; }

    /// <summary>Checked before every sampling step.</summary>
    public CancellationToken CancellationToken { get; init; }
}

/// <summary>One sampling step done.</summary>
/// <param name="Step">Steps done so far (1-based), counted over every chunk of an extension.</param>
/// <param name="Steps">Total steps of this generation.</param>
/// <param name="Elapsed">Time since generation started.</param>
public readonly record struct GenerationProgress(int Step, int Steps, TimeSpan Elapsed);
