using TorchSharp.Modules;
using static TorchSharp.torch;

namespace VideoDiffusion.Predictors;

/// <summary>
/// Runs a <see cref="GroupNorm"/> of the space-time U-Net on frames <c>[T*B, C, H, W]</c> with the statistics that
/// <see cref="SpaceTimeStep.ClipStatistics"/> asks for: libtorch's per-frame GroupNorm, or one mean and variance per
/// clip and group over <c>T x H x W</c> pixels and the group's channels, with the same affine weight and bias, so the
/// state-dict keys are those of a PyTorch <c>GroupNorm</c> in both cases.
/// </summary>
internal static class SpaceTimeNorm
{
    /// <summary>Normalises channels-last frames <c>[T*B, C, H, W]</c>; returns fresh channels-last frames.</summary>
    public static Tensor Apply(GroupNorm norm, int groups, Tensor x, SpaceTimeStep step)
    {
        if (!step.ClipStatistics)
        {
            return norm.call(x);
        }
        using var scope = NewDisposeScope();
        var (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3]);
        var (t, b) = (step.Frames, step.Batch);
        // [T*B, C, H, W] -> [T, B, G, C/G, H, W] only splits axes: a view, also of channels-last memory. Statistics of
        // half-precision activations are taken in float32, as libtorch's own GroupNorm does.
        var grouped = x.view(t, b, groups, c / groups, h, w);
        var reduced = x.dtype is ScalarType.Float16 or ScalarType.BFloat16;
        var (variance, mean) = var_mean(reduced ? grouped.to(ScalarType.Float32) : grouped, [0, 3, 4, 5], unbiased: false, keepdim: true);
        // y = (x - mean) * rstd * weight + bias = x * scale + shift, with [B, C] scale and shift.
        var rstd = variance.add_(norm.eps).rsqrt_().expand(1, b, groups, c / groups, 1, 1).reshape(b, c);
        var scale = rstd.mul(norm.weight!.to(rstd.dtype));
        var shift = norm.bias!.to(rstd.dtype).sub(mean.expand(1, b, groups, c / groups, 1, 1).reshape(b, c).mul(scale));
        (scale, shift) = (scale.to(x.dtype), shift.to(x.dtype));
        var frames = x.view(t, b, c, h, w);
        return frames.mul(scale.view(1, b, c, 1, 1)).add_(shift.view(1, b, c, 1, 1)).view(n, c, h, w).MoveToOuterDisposeScope();
    }
}
