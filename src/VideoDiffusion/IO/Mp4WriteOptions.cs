namespace VideoDiffusion.IO;

/// <summary>Options of <see cref="Mp4.Write(string, VideoFrames, Mp4WriteOptions?, CancellationToken)"/>: H.264 (libx264) in an MP4 container.</summary>
public sealed record Mp4WriteOptions
{
    /// <summary>The shared default options.</summary>
    public static Mp4WriteOptions Default { get; } = new();

    /// <summary>Frame rate written into the file. <value>The default value is 8.</value></summary>
    public double FramesPerSecond { get; init; } = 8.0;

    /// <summary>x264 constant rate factor, 0 (best) … 51 (worst); 18 is visually near-lossless. <value>The default value is 18.</value></summary>
    public int Crf { get; init; } = 18;

    /// <summary>x264 speed/size preset (<c>ultrafast</c> … <c>veryslow</c>). <value>The default value is "medium".</value></summary>
    public string Preset { get; init; } = "medium";

    /// <summary>Where ffmpeg is. <value>The default value is <see cref="FfmpegOptions.Default"/>.</value></summary>
    public FfmpegOptions Ffmpeg { get; init; } = FfmpegOptions.Default;

    private static readonly string[] Presets = ["ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower", "veryslow"];

    /// <summary>Throws if an option is out of range.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of its documented range.</exception>
    public void Validate()
    {
        if (!double.IsFinite(FramesPerSecond) || FramesPerSecond <= 0 || FramesPerSecond > 1000)
        {
            throw new ArgumentOutOfRangeException(nameof(FramesPerSecond), FramesPerSecond, "Expected a rate in (0, 1000].");
        }
        if (Crf is < 0 or > 51)
        {
            throw new ArgumentOutOfRangeException(nameof(Crf), Crf, "Expected 0 … 51.");
        }
        if (!Presets.Contains(Preset))
        {
            throw new ArgumentOutOfRangeException(nameof(Preset), Preset, "Expected one of " + string.Join(", ", Presets) + ".");
        }
        ArgumentNullException.ThrowIfNull(Ffmpeg);
    }
}
