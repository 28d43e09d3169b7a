namespace VideoDiffusion.IO;

/// <summary>Layout of a <see cref="ContactSheet"/>.</summary>
public sealed record ContactSheetOptions
{
    /// <summary>The shared default options.</summary>
    public static ContactSheetOptions Default { get; } = new();

    /// <summary>Pixels of background between cells and around the grid, 0 … 1024. <value>The default value is 2.</value></summary>
    public int Spacing { get; init; } = 2;

    /// <summary>Background colour (R, G, B). <value>The default value is white (255, 255, 255).</value></summary>
    public (byte R, byte G, byte B) Background { get; init; } = (255, 255, 255);

    /// <summary>Show every n-th frame (frames 0, n, 2n, …), n >= 1. <value>The default value is 1 (every frame).</value></summary>
    public int FrameStep { get; init; } = 1;

    /// <summary>Throws if an option is out of range.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of its documented range.</exception>
    public void Validate()
    {
        if (Spacing is < 0 or > 1024)
        {
            throw new ArgumentOutOfRangeException(nameof(Spacing), Spacing, "Expected 0 … 1024.");
        }
        if (FrameStep < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(FrameStep), FrameStep, "Expected >= 1.");
        }
    }
}
