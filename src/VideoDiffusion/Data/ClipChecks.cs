using VideoDiffusion.Internal;
using static TorchSharp.torch;

namespace VideoDiffusion.Data;

/// <summary>Argument checks shared by the datasets and augmentations.</summary>
internal static class ClipChecks
{
    /// <summary>Requires a clip <c>[C, T, H, W]</c> of at least <paramref name="frames"/> x <paramref name="height"/> x <paramref name="width"/>.</summary>
    public static void RequireClip(Tensor clip, string paramName, long frames = 1, long height = 1, long width = 1)
    {
        ArgumentNullException.ThrowIfNull(clip, paramName);
        if (clip.dim() != 4 || clip.shape[0] < 1 || clip.shape[1] < frames || clip.shape[2] < height || clip.shape[3] < width)
        {
            throw new ArgumentException(
                $"Expected a clip [C, T, H, W] with T >= {frames}, H >= {height}, W >= {width}, got {Shapes.Format(clip)}.", paramName);
        }
    }

    /// <summary>Requires an index in <c>[0, count)</c>.</summary>
    public static void RequireIndex(int index, int count)
    {
        if (index < 0 || index >= count)
        {
            throw new ArgumentOutOfRangeException(nameof(index), index, $"Expected an index in [0, {count}).");
        }
    }

    /// <summary>Requires a probability in [0, 1].</summary>
    public static double RequireProbability(double p, string paramName)
    {
        if (!(p >= 0 && p <= 1))
        {
            throw new ArgumentOutOfRangeException(paramName, p, "Expected a probability in [0, 1].");
        }
        return p;
    }

    /// <summary>Makes a float32 clip <c>[C, T, H, W]</c> from host values in <c>[0, 1]</c>, mapped to <c>[-1, 1]</c>.</summary>
    public static Tensor FromUnit(float[] values, int channels, int frames, int height, int width)
    {
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = values[i] * 2f - 1f;
        }
        return tensor(values, [channels, frames, height, width], ScalarType.Float32);
    }
}
