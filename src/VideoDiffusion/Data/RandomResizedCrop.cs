using System.Globalization;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace VideoDiffusion.Data;

/// <summary>
/// Random-resized crop for video (as torchvision's <c>RandomResizedCrop</c>, Szegedy et al. 2015, with the aspect ratio
/// fixed to the output's): a window with the output's aspect ratio covering a fraction <c>s ~ U[MinScale, MaxScale]</c>
/// of the largest such window is cut at a random place (the same for every frame) and resized bilinearly to
/// <see cref="Height"/> x <see cref="Width"/>.
/// </summary>
public sealed class RandomResizedCrop : IVideoAugmentation
{
    /// <summary>Creates the crop.</summary>
    /// <param name="height">Output height, &gt;= 1.</param>
    /// <param name="width">Output width, &gt;= 1.</param>
    /// <param name="minScale">Smallest area fraction, in (0, 1]. <value>The default value is 0.5.</value></param>
    /// <param name="maxScale">Largest area fraction, in [minScale, 1]. <value>The default value is 1.</value></param>
    /// <exception cref="ArgumentOutOfRangeException">A size is less than 1, or the scales are not 0 &lt; min &lt;= max &lt;= 1.</exception>
    public RandomResizedCrop(int height, int width, double minScale = 0.5, double maxScale = 1.0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        if (!(minScale > 0 && minScale <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(minScale), minScale, "Expected a fraction in (0, 1].");
        }
        if (!(maxScale >= minScale && maxScale <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(maxScale), maxScale, $"Expected a fraction in [{minScale}, 1].");
        }
        Height = height;
        Width = width;
        MinScale = minScale;
        MaxScale = maxScale;
    }

    /// <summary>Output height.</summary>
    public int Height { get; }

    /// <summary>Output width.</summary>
    public int Width { get; }

    /// <summary>Smallest area fraction of the largest window.</summary>
    public double MinScale { get; }

    /// <summary>Largest area fraction of the largest window.</summary>
    public double MaxScale { get; }

    /// <inheritdoc />
    public string Description => string.Format(CultureInfo.InvariantCulture,
        "RandomResizedCrop(height={0}, width={1}, scale=[{2:R}, {3:R}])", Height, Width, MinScale, MaxScale);

    /// <inheritdoc />
    public Tensor Apply(Tensor clip, Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        ClipChecks.RequireClip(clip, nameof(clip));
        var (h, w) = (clip.shape[2], clip.shape[3]);
        // Largest window with the output's aspect ratio, then shrink its sides by sqrt(scale).
        var fit = Math.Min((double)h / Height, (double)w / Width);
        var side = Math.Sqrt(MinScale + (MaxScale - MinScale) * random.NextDouble()) * fit;
        var ch = Math.Clamp((long)Math.Round(side * Height), 1, h);
        var cw = Math.Clamp((long)Math.Round(side * Width), 1, w);
        var top = random.NextInt64(h - ch + 1);
        var left = random.NextInt64(w - cw + 1);
        using var scope = NewDisposeScope();
        var window = clip.slice(2, top, top + ch, 1).slice(3, left, left + cw, 1);
        if (ch == Height && cw == Width)
        {
            return window.contiguous().MoveToOuterDisposeScope();
        }
        // [C, T, H, W] -> frames as the batch [T, C, H, W] for 2D interpolation, and back.
        var frames = window.permute(1, 0, 2, 3);
        var resized = interpolate(frames, [Height, Width], mode: InterpolationMode.Bilinear, align_corners: false);
        return resized.permute(1, 0, 2, 3).contiguous().MoveToOuterDisposeScope();
    }
}
