using TorchSharp;
using VideoDiffusion.Internal;
using static TorchSharp.torch;

namespace VideoDiffusion.Predictors;

/// <summary>The input checks of <see cref="SpaceTimeUNet.Predict"/>: shapes, dtypes and label range, before any computation.</summary>
internal static class SpaceTimeUNetInputs
{
    /// <summary>Throws when an input does not fit <paramref name="options"/> or the network's <paramref name="dtype"/> and <paramref name="device"/>.</summary>
    public static void Check(SpaceTimeUNetOptions options, ScalarType dtype, Device device, Tensor xt, Tensor timesteps, Conditioning c)
    {
        Shapes.RequireVideoBatch(xt, nameof(xt));
        var (b, channels, t, h, w) = (xt.shape[0], xt.shape[1], xt.shape[2], xt.shape[3], xt.shape[4]);
        if (channels != options.InChannels)
        {
            throw new ArgumentException(
                $"Expected xt [B, C, T, H, W] with C = {options.InChannels} channels, got {Shapes.Format(xt)}.", nameof(xt));
        }
        var multiple = options.SpatialMultiple;
        if (h % multiple != 0 || w % multiple != 0)
        {
            throw new ArgumentException(
                $"Expected xt [B, C, T, H, W] with H and W multiples of {multiple} (2^(levels - 1) for {options.Levels} levels), got {Shapes.Format(xt)}.",
                nameof(xt));
        }
        if (xt.dtype != dtype || xt.device.type != device.type || xt.device.index != device.index)
        {
            throw new ArgumentException(
                $"Expected xt with the network's dtype {dtype} on its device {device}, got {xt.dtype} on {xt.device}; move the network with .to(...).",
                nameof(xt));
        }
        ArgumentNullException.ThrowIfNull(timesteps);
        if (timesteps.dim() != 1 || timesteps.shape[0] != b || timesteps.dtype == ScalarType.Bool || timesteps.is_complex())
        {
            throw new ArgumentException(
                $"Expected real timesteps [B] = [{b}] for xt {Shapes.Format(xt)}, got {Shapes.Format(timesteps)} ({timesteps.dtype}).",
                nameof(timesteps));
        }
        CheckLabels(options, c.ClassLabels, b);
        CheckContext(options, c.Context, b);
        CheckFrames(options, c, xt, b, t);
    }

    private static void CheckLabels(SpaceTimeUNetOptions options, Tensor? labels, long b)
    {
        if (labels is null)
        {
            return;
        }
        const string name = nameof(Conditioning.ClassLabels);
        if (options.NumClasses == 0)
        {
            throw new ArgumentException("Got class labels, but the network was built without classes (NumClasses = 0).", name);
        }
        if (labels.dim() != 1 || labels.shape[0] != b || !IsInteger(labels.dtype))
        {
            throw new ArgumentException(
                $"Expected integer class labels [B] = [{b}], got {Shapes.Format(labels)} ({labels.dtype}).", name);
        }
        using var min = labels.min();
        using var max = labels.max();
        var (lo, hi) = (min.item<long>(), max.item<long>());
        if (lo < 0 || hi > options.NumClasses)
        {
            throw new ArgumentOutOfRangeException(name, lo < 0 ? lo : hi,
                $"Expected class labels in [0, {options.NumClasses}] ({options.NumClasses} = the null class), got values in [{lo}, {hi}].");
        }
    }

    private static void CheckContext(SpaceTimeUNetOptions options, Tensor? context, long b)
    {
        if (context is null)
        {
            return;
        }
        const string name = nameof(Conditioning.Context);
        if (options.ContextDim == 0)
        {
            throw new ArgumentException("Got a context, but the network was built without cross-attention (ContextDim = 0).", name);
        }
        if (context.dim() != 3 || context.shape[0] != b || context.shape[1] < 1 || context.shape[2] != options.ContextDim)
        {
            throw new ArgumentException(
                $"Expected a context [B, L, D] = [{b}, L >= 1, {options.ContextDim}], got {Shapes.Format(context)}.", name);
        }
        Shapes.RequireFloating(context, name);
    }

    private static void CheckFrames(SpaceTimeUNetOptions options, Conditioning c, Tensor xt, long b, long t)
    {
        if (c.Frames is null && c.FrameMask is null)
        {
            return;
        }
        if (!options.ConcatConditioningFrames)
        {
            throw new ArgumentException(
                "Got conditioning frames, but the network was built without them (ConcatConditioningFrames = false).",
                c.Frames is null ? nameof(Conditioning.FrameMask) : nameof(Conditioning.Frames));
        }
        if (c.Frames is null)
        {
            throw new ArgumentException($"Got a frame mask without frames; expected Frames with the shape of xt {Shapes.Format(xt)}.", nameof(Conditioning.Frames));
        }
        if (c.FrameMask is null)
        {
            throw new ArgumentException($"Got conditioning frames without a mask; expected FrameMask [B, T] = [{b}, {t}].", nameof(Conditioning.FrameMask));
        }
        Shapes.RequireSameShape(xt, c.Frames, nameof(xt), nameof(Conditioning.Frames));
        Shapes.RequireFloating(c.Frames, nameof(Conditioning.Frames));
        if (c.FrameMask.dim() != 2 || c.FrameMask.shape[0] != b || c.FrameMask.shape[1] != t || c.FrameMask.is_complex())
        {
            throw new ArgumentException(
                $"Expected a real FrameMask [B, T] = [{b}, {t}] for xt {Shapes.Format(xt)}, got {Shapes.Format(c.FrameMask)}.",
                nameof(Conditioning.FrameMask));
        }
    }

    private static bool IsInteger(ScalarType type) =>
        type is ScalarType.Int64 or ScalarType.Int32 or ScalarType.Int16 or ScalarType.Int8 or ScalarType.Byte;
}
