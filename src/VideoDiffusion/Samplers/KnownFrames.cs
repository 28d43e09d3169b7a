using VideoDiffusion.Internal;
using static TorchSharp.torch;

namespace VideoDiffusion.Samplers;

/// <summary>
/// Frames of a clip that are given rather than generated — the first frame (image-to-video), key frames
/// (interpolation) or the first frames (continuing a clip) — with the mask that says which they are. Owns copies of
/// its tensors; dispose it when done.
/// </summary>
public sealed class KnownFrames : IDisposable
{
    private KnownFrames(Tensor frames, Tensor mask)
    {
        Frames = frames.DetachFromDisposeScope();
        Mask = mask.DetachFromDisposeScope();
        VideoMask = Mask.reshape(Mask.shape[0], 1, Mask.shape[1], 1, 1).DetachFromDisposeScope();
    }

    /// <summary>The frames <c>[B, C, T, H, W]</c> in model space; values at unknown frames are zero.</summary>
    public Tensor Frames { get; }

    /// <summary>Which frames are known: <c>[B, T]</c> bool.</summary>
    public Tensor Mask { get; }

    /// <summary>The mask shaped <c>[B, 1, T, 1, 1]</c> to broadcast against a video batch.</summary>
    internal Tensor VideoMask { get; }

    /// <summary>Number of frames T of the clip.</summary>
    public long TotalFrames => Frames.shape[2];

    /// <summary>Known frames from a full-length tensor and a mask.</summary>
    /// <param name="frames">Frames <c>[B, C, T, H, W]</c>; only the known ones are read.</param>
    /// <param name="mask"><c>[B, T]</c>, non-zero = known (any dtype).</param>
    /// <exception cref="ArgumentException">Shapes do not match.</exception>
    public static KnownFrames FromMask(Tensor frames, Tensor mask)
    {
        Shapes.RequireVideoBatch(frames, nameof(frames));
        ArgumentNullException.ThrowIfNull(mask);
        if (mask.dim() != 2 || mask.shape[0] != frames.shape[0] || mask.shape[1] != frames.shape[2])
        {
            throw new ArgumentException(
                $"Expected a mask [B, T] = [{frames.shape[0]}, {frames.shape[2]}] for frames [B, C, T, H, W] = {Shapes.Format(frames)}, got {Shapes.Format(mask)}.", nameof(mask));
        }
        TorchBackend.EnsureAvailable();
        using var scope = NewDisposeScope();
        var known = mask.ne(0);
        var masked = where(known.reshape(known.shape[0], 1, known.shape[1], 1, 1), frames, zeros_like(frames));
        return new KnownFrames(masked.MoveToOuterDisposeScope(), known.MoveToOuterDisposeScope());
    }

    /// <summary>The first k frames of a clip of <paramref name="totalFrames"/> are known (image-to-video with k = 1; continuation).</summary>
    /// <param name="prefix">The known frames <c>[B, C, k, H, W]</c>.</param>
    /// <param name="totalFrames">Length T &gt;= k of the clip to generate.</param>
    /// <exception cref="ArgumentException">prefix is not a video batch.</exception>
    /// <exception cref="ArgumentOutOfRangeException">totalFrames &lt; k.</exception>
    public static KnownFrames Prefix(Tensor prefix, int totalFrames)
    {
        Shapes.RequireVideoBatch(prefix, nameof(prefix));
        return AtPositions(prefix, Enumerable.Range(0, (int)prefix.shape[2]).ToArray(), totalFrames);
    }

    /// <summary>Key frames at given positions are known (frame interpolation).</summary>
    /// <param name="keyFrames">The known frames <c>[B, C, K, H, W]</c>, in the order of <paramref name="positions"/>.</param>
    /// <param name="positions">K distinct frame indices in <c>[0, totalFrames)</c>.</param>
    /// <param name="totalFrames">Length T of the clip to generate.</param>
    /// <exception cref="ArgumentException">keyFrames is not a video batch; positions do not match K or repeat.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A position is outside <c>[0, totalFrames)</c>.</exception>
    public static KnownFrames AtPositions(Tensor keyFrames, IReadOnlyList<int> positions, int totalFrames)
    {
        Shapes.RequireVideoBatch(keyFrames, nameof(keyFrames));
        ArgumentNullException.ThrowIfNull(positions);
        if (positions.Count != keyFrames.shape[2] || positions.Distinct().Count() != positions.Count)
        {
            throw new ArgumentException(
                $"Expected {keyFrames.shape[2]} distinct positions (one per key frame of {Shapes.Format(keyFrames)}), got [{string.Join(", ", positions)}].", nameof(positions));
        }
        ArgumentOutOfRangeException.ThrowIfLessThan(totalFrames, positions.Count);
        foreach (var p in positions)
        {
            if (p < 0 || p >= totalFrames)
            {
                throw new ArgumentOutOfRangeException(nameof(positions), p, $"Expected frame positions in [0, {totalFrames}).");
            }
        }
        TorchBackend.EnsureAvailable();
        using var scope = NewDisposeScope();
        var shape = keyFrames.shape;
        shape[2] = totalFrames;
        var frames = zeros(shape, keyFrames.dtype, keyFrames.device);
        var index = tensor(positions.Select(p => (long)p).ToArray(), ScalarType.Int64, keyFrames.device);
        frames.index_copy_(2, index, keyFrames);
        var mask = zeros([shape[0], totalFrames], ScalarType.Bool, keyFrames.device);
        mask.index_fill_(1, index, true);
        return new KnownFrames(frames.MoveToOuterDisposeScope(), mask.MoveToOuterDisposeScope());
    }

    /// <summary><paramref name="x"/> with its known frames replaced by <see cref="Frames"/> (a fresh tensor).</summary>
    /// <exception cref="ArgumentException">x does not have the shape of <see cref="Frames"/>.</exception>
    public Tensor Paste(Tensor x)
    {
        Require(x, nameof(x));
        return where(VideoMask, Frames.to(x.dtype), x);
    }

    /// <summary>Throws unless <paramref name="x"/> has the shape of the frames.</summary>
    internal void Require(Tensor x, string paramName)
    {
        Shapes.RequireVideoBatch(x, paramName);
        if (!x.shape.SequenceEqual(Frames.shape))
        {
            throw new ArgumentException(
                $"Expected [B, C, T, H, W] = {Shapes.Format(Frames)} (the known frames' shape), got {Shapes.Format(x)}.", paramName);
        }
    }

    /// <summary>Disposes the frames and the mask.</summary>
    public void Dispose()
    {
        Frames.Dispose();
        Mask.Dispose();
        VideoMask.Dispose();
    }
}
