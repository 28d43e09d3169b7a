using static TorchSharp.torch;

namespace VideoDiffusion.Predictors;

/// <summary>What every block of one <see cref="SpaceTimeUNet"/> forward pass shares besides the activations.</summary>
internal sealed class SpaceTimeStep
{
    /// <summary>Frames per video, T.</summary>
    public required long Frames { get; init; }

    /// <summary>Videos in the batch, B.</summary>
    public required long Batch { get; init; }

    /// <summary><c>SiLU(timestep embedding + class embedding)</c>, <c>[B, EmbeddingChannels]</c>.</summary>
    public required Tensor Embedding { get; init; }

    /// <summary>Context embeddings <c>[B, L, ContextDim]</c>, or null to skip cross-attention.</summary>
    public Tensor? Context { get; init; }

    /// <summary>Whether temporal layers are skipped (frames are independent images).</summary>
    public bool IndependentFrames { get; init; }

    /// <summary>Whether GroupNorm statistics are taken over all frames of a clip (see <see cref="SpaceTimeNorm"/>).</summary>
    public bool ClipStatistics { get; init; }

    /// <summary>Relative position bucket of every (query frame, key frame) pair, <c>[T, T]</c> int64; null when unused.</summary>
    public Tensor? RelativePositions { get; init; }

    /// <summary>Where dropout masks come from in training mode (null = libtorch's default generator).</summary>
    public Generator? DropoutGenerator { get; init; }
}
