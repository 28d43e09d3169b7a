using VideoDiffusion.Internal;
using static TorchSharp.torch;

namespace VideoDiffusion.Losses;

/// <summary>The per-sample reduction shared by the losses: mean over every element of a sample, optionally mask-weighted.</summary>
internal static class MaskedMean
{
    /// <summary>
    /// Per-sample mean of <paramref name="elements"/> <c>[B, …]</c> -&gt; <c>[B]</c>; with a mask,
    /// <c>sum(mask * elements) / sum(mask)</c> over each sample (0 when the mask of a sample is all zero).
    /// </summary>
    public static Tensor PerSample(Tensor elements, Tensor? mask)
    {
        using var scope = NewDisposeScope();
        var b = elements.shape[0];
        if (mask is null)
        {
            return elements.reshape(b, -1).mean([1]).MoveToOuterDisposeScope();
        }
        var m = ExpandMask(mask, elements, "mask", validateOnly: false)!.to(elements.dtype).expand_as(elements);
        var num = (elements * m).reshape(b, -1).sum(1);
        var den = m.reshape(b, -1).sum(1).clamp_min(1e-12);
        return (num / den).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Turns a mask into a tensor broadcastable to <paramref name="like"/>: a frame mask <c>[B, T]</c> for a video batch
    /// <c>[B, C, T, H, W]</c> becomes <c>[B, 1, T, 1, 1]</c>; anything else must already broadcast.
    /// </summary>
    /// <remarks>Returns the caller's mask itself when it already broadcasts (do not dispose it), a fresh view otherwise, and null when <paramref name="validateOnly"/>.</remarks>
    /// <exception cref="ArgumentException">The mask cannot broadcast to <paramref name="like"/>.</exception>
    public static Tensor? ExpandMask(Tensor mask, Tensor like, string paramName, bool validateOnly)
    {
        var shape = like.shape;
        if (mask.dim() == 2 && shape.Length == 5 && mask.shape[0] == shape[0] && mask.shape[1] == shape[2])
        {
            return validateOnly ? null : mask.reshape(shape[0], 1, shape[2], 1, 1);
        }
        var ok = mask.dim() == shape.Length;
        for (var i = 0; ok && i < shape.Length; i++)
        {
            ok = mask.shape[i] == shape[i] || mask.shape[i] == 1;
        }
        if (!ok)
        {
            throw new ArgumentException(
                $"Expected a mask broadcastable to the prediction {Shapes.Format(like)} (e.g. [B, 1, T, 1, 1]) or a frame mask [B, T], got {Shapes.Format(mask)}.",
                paramName);
        }
        return validateOnly ? null : mask;
    }
}
