using static TorchSharp.torch;

namespace VideoDiffusion.Data;

/// <summary>Cuts a <see cref="Height"/> x <see cref="Width"/> window at a uniformly random place (the same for every frame).</summary>
public sealed class RandomSpatialCrop : IVideoAugmentation
{
    /// <summary>Creates the crop.</summary>
    /// <param name="height">Output height, &gt;= 1.</param>
    /// <param name="width">Output width, &gt;= 1.</param>
    /// <exception cref="ArgumentOutOfRangeException">height or width is less than 1.</exception>
    public RandomSpatialCrop(int height, int width)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        Height = height;
        Width = width;
    }

    /// <summary>Output height.</summary>
    public int Height { get; }

    /// <summary>Output width.</summary>
    public int Width { get; }

    /// <inheritdoc />
    public string Description => $"RandomSpatialCrop(height={Height}, width={Width})";

    /// <inheritdoc />
    public Tensor Apply(Tensor clip, Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        ClipChecks.RequireClip(clip, nameof(clip), height: Height, width: Width);
        var top = random.NextInt64(clip.shape[2] - Height + 1);
        var left = random.NextInt64(clip.shape[3] - Width + 1);
        using var scope = NewDisposeScope();
        return clip.slice(2, top, top + Height, 1).slice(3, left, left + Width, 1).contiguous().MoveToOuterDisposeScope();
    }
}
