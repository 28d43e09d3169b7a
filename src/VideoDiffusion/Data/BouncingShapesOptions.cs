namespace VideoDiffusion.Data;

/// <summary>
/// The definition of a <see cref="BouncingShapes"/> dataset. Every clip is a pure function of these options and its
/// index. Validated when the dataset is built.
/// </summary>
public sealed record BouncingShapesOptions
{
    /// <summary>Number of clips. <value>The default value is 1024.</value></summary>
    public int Count { get; init; } = 1024;

    /// <summary>Frames per clip T. <value>The default value is 16.</value></summary>
    public int Frames { get; init; } = 16;

    /// <summary>Frame height H in pixels. <value>The default value is 32.</value></summary>
    public int Height { get; init; } = 32;

    /// <summary>Frame width W in pixels. <value>The default value is 32.</value></summary>
    public int Width { get; init; } = 32;

    /// <summary>Channels: 3 (RGB) or 1 (luma). <value>The default value is 3.</value></summary>
    public int Channels { get; init; } = 3;

    /// <summary>Fewest shapes in a clip, &gt;= 1. <value>The default value is 1.</value></summary>
    public int MinObjects { get; init; } = 1;

    /// <summary>Most shapes in a clip (the count is uniform in <c>[MinObjects, MaxObjects]</c>). <value>The default value is 1.</value></summary>
    public int MaxObjects { get; init; } = 1;

    /// <summary>The shape kinds to draw from. <value>The default value is square and circle.</value></summary>
    public IReadOnlyList<ShapeKind> Kinds { get; init; } = [ShapeKind.Square, ShapeKind.Circle];

    /// <summary>Side of a square / diameter of a circle in pixels, smaller than H and W. Whole numbers render squares with exact centroids. <value>The default value is 8.</value></summary>
    public double Size { get; init; } = 8;

    /// <summary>Smallest speed in pixels per frame, &gt;= 0. <value>The default value is 1.</value></summary>
    public double MinSpeed { get; init; } = 1.0;

    /// <summary>Largest speed in pixels per frame (the speed is uniform in <c>[MinSpeed, MaxSpeed]</c>, the direction uniform). <value>The default value is 2.</value></summary>
    public double MaxSpeed { get; init; } = 2.0;

    /// <summary>The colours to draw from (one per shape). <value>The default value is red, green, blue, yellow, cyan, magenta and white.</value></summary>
    public IReadOnlyList<RgbColor> Colors { get; init; } =
    [
        new(230, 40, 40), new(40, 200, 60), new(50, 90, 240), new(240, 220, 40), new(40, 220, 230), new(220, 50, 220), new(255, 255, 255),
    ];

    /// <summary>The background colour. <value>The default value is black.</value></summary>
    public RgbColor Background { get; init; } = new(0, 0, 0);

    /// <summary>What the label means. <value>The default value is <see cref="BouncingShapesLabel.ShapeKind"/>.</value></summary>
    public BouncingShapesLabel Label { get; init; } = BouncingShapesLabel.ShapeKind;

    /// <summary>Seed of the dataset: clip i is determined by (Seed, i). <value>The default value is 0.</value></summary>
    public long Seed { get; init; }
}
