using VideoDiffusion.Data;

namespace VideoDiffusion.Metrics;

/// <summary>
/// How <see cref="ShapeTracks"/> finds one shape per frame in clips of a known palette on a plain background (the
/// ground truth of <see cref="BouncingShapes"/>). Derive the palette and background from a dataset's definition with
/// <see cref="For(BouncingShapesOptions)"/>.
/// </summary>
public sealed record ShapeTrackOptions
{
    /// <summary>The colours a shape can have; each frame's shape is assigned the nearest one (Euclidean in RGB).</summary>
    /// <value>The default value is the colours of a default <see cref="BouncingShapesOptions"/>.</value>
    public IReadOnlyList<RgbColor> Palette { get; init; } = new BouncingShapesOptions().Colors;

    /// <summary>The background colour. <value>The default value is that of a default <see cref="BouncingShapesOptions"/> (black).</value></summary>
    public RgbColor Background { get; init; } = new BouncingShapesOptions().Background;

    /// <summary>
    /// A pixel is foreground when one of its channels differs from the background by more than this fraction of 255.
    /// <value>The default value is 0.2.</value>
    /// </summary>
    public double ForegroundThreshold { get; init; } = 0.2;

    /// <summary>Connected foreground regions (8-neighbourhood) smaller than this are specks, not blobs. <value>The default value is 3.</value></summary>
    public int MinBlobPixels { get; init; } = 3;

    /// <summary>
    /// A frame whose foreground covers more than this fraction of its pixels is cluttered: not one shape on a
    /// background (noise, a flat colour, several large objects). <value>The default value is 0.25.</value>
    /// </summary>
    public double MaxForegroundFraction { get; init; } = 0.25;

    /// <summary>A frame-to-frame move of the shape's centre by more than this many pixels is a jump. <value>The default value is 6.</value></summary>
    public double JumpThreshold { get; init; } = 6.0;

    /// <summary>
    /// A blob whose coverage-weighted area is more than this fraction of its width times its height is a square,
    /// otherwise a circle (a square fills 1, a disc pi/4 = 0.785). <value>The default value is 0.9.</value>
    /// </summary>
    public double SquareFillRatio { get; init; } = 0.9;

    /// <summary>The palette and background of a <see cref="BouncingShapes"/> definition, other options at their defaults.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="data"/> is null.</exception>
    public static ShapeTrackOptions For(BouncingShapesOptions data)
    {
        ArgumentNullException.ThrowIfNull(data);
        return new ShapeTrackOptions { Palette = data.Colors, Background = data.Background };
    }

    /// <summary>Checks every option.</summary>
    /// <exception cref="ArgumentException">The palette is null or empty.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A threshold is out of range.</exception>
    public void Validate()
    {
        if (Palette is null || Palette.Count == 0)
        {
            throw new ArgumentException("Expected at least one palette colour.", nameof(Palette));
        }
        if (!(ForegroundThreshold > 0 && ForegroundThreshold < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(ForegroundThreshold), ForegroundThreshold, "Expected a fraction in (0, 1).");
        }
        ArgumentOutOfRangeException.ThrowIfLessThan(MinBlobPixels, 1, nameof(MinBlobPixels));
        if (!(MaxForegroundFraction > 0 && MaxForegroundFraction <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(MaxForegroundFraction), MaxForegroundFraction, "Expected a fraction in (0, 1].");
        }
        if (!(JumpThreshold > 0 && double.IsFinite(JumpThreshold)))
        {
            throw new ArgumentOutOfRangeException(nameof(JumpThreshold), JumpThreshold, "Expected a finite distance > 0 pixels.");
        }
        if (!(SquareFillRatio > 0 && SquareFillRatio < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(SquareFillRatio), SquareFillRatio, "Expected a fraction in (0, 1).");
        }
    }
}
