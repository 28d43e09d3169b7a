using static TorchSharp.torch;

namespace VideoDiffusion.Data;

/// <summary>Keeps <see cref="Frames"/> frames, <see cref="Stride"/> apart, from a uniformly random start.</summary>
public sealed class RandomTemporalCrop : IVideoAugmentation
{
    /// <summary>Creates the crop.</summary>
    /// <param name="frames">Frames to keep, &gt;= 1.</param>
    /// <param name="stride">Step between kept frames, &gt;= 1 (2 halves the frame rate). <value>The default value is 1.</value></param>
    /// <exception cref="ArgumentOutOfRangeException">frames or stride is less than 1.</exception>
    public RandomTemporalCrop(int frames, int stride = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(frames, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(stride, 1);
        Frames = frames;
        Stride = stride;
    }

    /// <summary>Frames kept.</summary>
    public int Frames { get; }

    /// <summary>Step between kept frames.</summary>
    public int Stride { get; }

    /// <inheritdoc />
    public string Description => $"RandomTemporalCrop(frames={Frames}, stride={Stride})";

    /// <inheritdoc />
    public Tensor Apply(Tensor clip, Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        var span = (long)(Frames - 1) * Stride + 1;
        ClipChecks.RequireClip(clip, nameof(clip), frames: span);
        var start = random.NextInt64(clip.shape[1] - span + 1);
        using var scope = NewDisposeScope();
        return clip.slice(1, start, start + span, Stride).contiguous().MoveToOuterDisposeScope();
    }
}
