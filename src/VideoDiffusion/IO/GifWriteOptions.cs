namespace VideoDiffusion.IO;

/// <summary>Options of <see cref="Gif.Write(string, VideoFrames, GifWriteOptions?)"/>.</summary>
public sealed record GifWriteOptions
{
    /// <summary>The shared default options.</summary>
    public static GifWriteOptions Default { get; } = new();

    /// <summary>
    /// Playback rate; each frame's delay is <c>round(100 / fps)</c> hundredths of a second, at least 1 (GIF's unit).
    /// Browsers show delays below 2 as 10, so rates above 50 fps do not play faster. <value>The default value is 8.</value>
    /// </summary>
    public double FramesPerSecond { get; init; } = 8.0;

    /// <summary>
    /// Times the animation repeats after the first showing (NETSCAPE2.0 extension); 0 loops forever; null writes no
    /// extension, so the animation plays once. <value>The default value is 0 (forever).</value>
    /// </summary>
    public int? LoopCount { get; init; } = 0;

    /// <summary>How colour tables are chosen. <value>The default value is <see cref="GifPaletteMode.Auto"/>.</value></summary>
    public GifPaletteMode Palette { get; init; } = GifPaletteMode.Auto;

    /// <summary>Dithering for frames with more colours than a table holds. <value>The default value is <see cref="GifDithering.None"/>.</value></summary>
    public GifDithering Dithering { get; init; } = GifDithering.None;

    /// <summary>Largest colour table, 2 … 256. <value>The default value is 256.</value></summary>
    public int MaxColors { get; init; } = 256;

    /// <summary>The frame delay in hundredths of a second implied by <see cref="FramesPerSecond"/>.</summary>
    public int DelayCentiseconds => (int)Math.Clamp(Math.Round(100.0 / FramesPerSecond), 1, ushort.MaxValue);

    /// <summary>Throws if an option is out of range.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of its documented range.</exception>
    public void Validate()
    {
        if (!double.IsFinite(FramesPerSecond) || FramesPerSecond <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(FramesPerSecond), FramesPerSecond, "Expected a finite rate > 0.");
        }
        if (LoopCount is < 0 or > ushort.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(LoopCount), LoopCount, "Expected null or 0 … 65535.");
        }
        if (MaxColors is < 2 or > 256)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxColors), MaxColors, "Expected 2 … 256.");
        }
        if (!Enum.IsDefined(Palette))
        {
            throw new ArgumentOutOfRangeException(nameof(Palette), Palette, "Unknown palette mode.");
        }
        if (!Enum.IsDefined(Dithering))
        {
            throw new ArgumentOutOfRangeException(nameof(Dithering), Dithering, "Unknown dithering.");
        }
    }
}
