using VideoDiffusion.Internal;
using static TorchSharp.torch;

namespace VideoDiffusion.IO;

/// <summary>
/// The one place model space and bytes meet. Model space is a float clip <c>[C, T, H, W]</c> or batch
/// <c>[B, C, T, H, W]</c> in <c>[-1, 1]</c>; bytes are uint8 <c>[T, H, W, C]</c> (or <c>[B, T, H, W, C]</c>) in
/// <c>0 … 255</c>.
/// <para>To bytes: <c>b = round((clamp(x, -1, 1) + 1) * 127.5)</c>, rounding half to even, computed in float32 (float64
/// stays float64); NaN becomes model value 0 (byte 128) and ±infinity clamps to ±1.</para>
/// <para>From bytes: <c>x = b / 127.5 - 1</c>, so 0 maps to exactly -1 and 255 to exactly 1, and bytes → model → bytes
/// is the identity.</para>
/// </summary>
public static class VideoTensors
{
    /// <summary>
    /// Converts model-space video to bytes: <c>[C, T, H, W]</c> to <c>[T, H, W, C]</c>, or <c>[B, C, T, H, W]</c> to
    /// <c>[B, T, H, W, C]</c>, uint8 on the input's device.
    /// </summary>
    /// <exception cref="ArgumentException">The tensor is not a floating-point clip or batch with every dimension >= 1.</exception>
    public static Tensor ToBytes(Tensor video)
    {
        RequireModelSpace(video, nameof(video));
        TorchBackend.EnsureAvailable();
        using var scope = NewDisposeScope();
        var x = video.detach();
        if (x.dtype != ScalarType.Float64)
        {
            x = x.to(ScalarType.Float32);
        }
        var bytes = x.nan_to_num(0.0, 1.0, -1.0).clamp(-1.0, 1.0).add(1.0).mul(127.5).round().to(ScalarType.Byte);
        var permuted = video.dim() == 4 ? bytes.permute(1, 2, 3, 0) : bytes.permute(0, 2, 3, 4, 1);
        return permuted.contiguous().MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Converts bytes to model space: uint8 <c>[T, H, W, C]</c> to <c>[C, T, H, W]</c>, or <c>[B, T, H, W, C]</c> to
    /// <c>[B, C, T, H, W]</c>, as <paramref name="dtype"/> on the input's device.
    /// </summary>
    /// <exception cref="ArgumentException">The tensor is not uint8 with 4 or 5 dimensions, each >= 1, or
    /// <paramref name="dtype"/> is not a floating-point type.</exception>
    public static Tensor FromBytes(Tensor bytes, ScalarType dtype = ScalarType.Float32)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        if (bytes.dtype != ScalarType.Byte || bytes.dim() is not (4 or 5) || bytes.shape.Any(d => d < 1))
        {
            throw new ArgumentException(
                $"Expected uint8 frames [T, H, W, C] or [B, T, H, W, C], got {bytes.dtype} {Shapes.Format(bytes)}.", nameof(bytes));
        }
        RequireFloatingType(dtype);
        TorchBackend.EnsureAvailable();
        using var scope = NewDisposeScope();
        var x = bytes.to(dtype).div(127.5).sub(1.0);
        var permuted = bytes.dim() == 4 ? x.permute(3, 0, 1, 2) : x.permute(0, 4, 1, 2, 3);
        return permuted.contiguous().MoveToOuterDisposeScope();
    }

    /// <summary>Converts one model-space clip <c>[C, T, H, W]</c> (C in {1, 3, 4}) to managed frames.</summary>
    /// <exception cref="ArgumentException">The clip is not floating-point <c>[C, T, H, W]</c> with C in {1, 3, 4}.</exception>
    public static VideoFrames ToFrames(Tensor clip)
    {
        RequireClip(clip, nameof(clip));
        using var bytes = ToBytes(clip);
        return VideoFrames.FromTensor(bytes);
    }

    /// <summary>Converts every clip of a batch <c>[B, C, T, H, W]</c> (C in {1, 3, 4}) to managed frames.</summary>
    /// <exception cref="ArgumentException">The batch is not floating-point <c>[B, C, T, H, W]</c> with C in {1, 3, 4}.</exception>
    public static IReadOnlyList<VideoFrames> ToFramesBatch(Tensor batch)
    {
        Shapes.RequireVideoBatch(batch, nameof(batch));
        Shapes.RequireFloating(batch, nameof(batch));
        RequireImageChannels(batch.shape[1], batch, nameof(batch));
        using var bytes = ToBytes(batch);
        var result = new VideoFrames[batch.shape[0]];
        for (var b = 0; b < result.Length; b++)
        {
            using var clip = bytes[b];
            result[b] = VideoFrames.FromTensor(clip);
        }
        return result;
    }

    /// <summary>Converts managed frames to a model-space clip <c>[C, T, H, W]</c> of <paramref name="dtype"/> on <paramref name="device"/> (default CPU).</summary>
    /// <exception cref="ArgumentException"><paramref name="dtype"/> is not a floating-point type.</exception>
    public static Tensor FromFrames(VideoFrames frames, ScalarType dtype = ScalarType.Float32, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(frames);
        RequireFloatingType(dtype);
        using var bytes = frames.ToTensor();
        using var moved = device is null ? bytes.alias() : bytes.to(device);
        return FromBytes(moved, dtype);
    }

    /// <summary>
    /// Throws when a floating-point <paramref name="video"/> holds NaN or an infinity: an image writer would otherwise
    /// encode it as an arbitrary colour. The message names the first such element by clip, channel, frame, row and
    /// column. Tensors that are not floating-point are left to the shape checks.
    /// </summary>
    /// <exception cref="ArgumentException">A value is not finite.</exception>
    internal static void RequireFinite(Tensor? video, string paramName)
    {
        if (video is null || !is_floating_point(video) || video.numel() == 0)
        {
            return;
        }
        using var scope = NewDisposeScope();
        var bad = video.detach().isfinite().logical_not().flatten();
        if (!bad.any().item<bool>())
        {
            return;
        }
        var flat = bad.to(ScalarType.Byte).argmax().item<long>();
        var value = video.detach().flatten()[flat].to(ScalarType.Float64).item<double>();
        var shape = video.shape;
        var index = new long[shape.Length];
        for (var d = shape.Length - 1; d >= 0; d--)
        {
            index[d] = flat % shape[d];
            flat /= shape[d];
        }
        string[] names = shape.Length switch
        {
            4 => ["channel", "frame", "row", "column"],
            5 => ["clip", "channel", "frame", "row", "column"],
            _ => Enumerable.Range(0, shape.Length).Select(d => $"dimension {d} index").ToArray(),
        };
        var position = string.Join(", ", names.Select((name, d) => $"{name} {index[d]}"));
        throw new ArgumentException(
            $"Expected finite values to make images, got the non-finite value {value.ToString(System.Globalization.CultureInfo.InvariantCulture)} at {position} of {Shapes.Format(video)} (the first one); NaN or infinities would be written as arbitrary colours.",
            paramName);
    }

    private static void RequireModelSpace(Tensor video, string paramName)
    {
        ArgumentNullException.ThrowIfNull(video, paramName);
        if (video.dim() is not (4 or 5) || video.shape.Any(d => d < 1) || !is_floating_point(video))
        {
            throw new ArgumentException(
                $"Expected a floating-point clip [C, T, H, W] or batch [B, C, T, H, W] with every dimension >= 1, got {video.dtype} {Shapes.Format(video)}.",
                paramName);
        }
    }

    private static void RequireClip(Tensor clip, string paramName)
    {
        ArgumentNullException.ThrowIfNull(clip, paramName);
        if (clip.dim() != 4 || clip.shape.Any(d => d < 1) || !is_floating_point(clip))
        {
            throw new ArgumentException(
                $"Expected a floating-point clip [C, T, H, W] with every dimension >= 1, got {clip.dtype} {Shapes.Format(clip)}.", paramName);
        }
        RequireImageChannels(clip.shape[0], clip, paramName);
    }

    private static void RequireImageChannels(long channels, Tensor x, string paramName)
    {
        if (channels is not (1 or 3 or 4))
        {
            throw new ArgumentException(
                $"Expected C in {{1, 3, 4}} (grey, RGB, RGBA) to make images, got C = {channels} in {Shapes.Format(x)}.", paramName);
        }
    }

    private static void RequireFloatingType(ScalarType dtype)
    {
        if (dtype is not (ScalarType.Float16 or ScalarType.BFloat16 or ScalarType.Float32 or ScalarType.Float64))
        {
            throw new ArgumentException($"Expected a floating-point dtype, got {dtype}.", nameof(dtype));
        }
    }
}
