using static TorchSharp.torch;

namespace VideoDiffusion.Predictors;

/// <summary>
/// What a noise predictor is conditioned on besides the noisy input and the timestep. Every part is optional; the
/// caller owns the tensors. A predictor throws when given a part it was not built for.
/// </summary>
public sealed record Conditioning
{
    /// <summary>No conditioning: unconditional prediction with temporal mixing on.</summary>
    public static Conditioning None { get; } = new();

    /// <summary>Class labels <c>[B]</c> (int64), in <c>[0, NumClasses]</c> where <c>NumClasses</c> is the null class used for classifier-free guidance.</summary>
    public Tensor? ClassLabels { get; init; }

    /// <summary>Context embeddings <c>[B, L, ContextDim]</c> attended to by cross-attention (e.g. text or image features).</summary>
    public Tensor? Context { get; init; }

    /// <summary>Known frames <c>[B, C, T, H, W]</c> in model space (image-to-video, interpolation, extension); unknown frames may hold anything.</summary>
    public Tensor? Frames { get; init; }

    /// <summary>Which frames of <see cref="Frames"/> are known: <c>[B, T]</c>, 1 = known, 0 = to generate.</summary>
    public Tensor? FrameMask { get; init; }

    /// <summary>
    /// Treat every frame as an independent image: temporal convolutions and temporal attention are skipped
    /// (joint image-video training, Ho et al. 2022). <value>The default value is false.</value>
    /// </summary>
    public bool IndependentFrames { get; init; }
}
