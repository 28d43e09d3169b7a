namespace VideoDiffusion.IO;

/// <summary>Where to find the ffmpeg tools and how long to let them run.</summary>
public sealed record FfmpegOptions
{
    /// <summary>The shared default options.</summary>
    public static FfmpegOptions Default { get; } = new();

    /// <summary>Path of the <c>ffmpeg</c> executable; null searches the directories of the <c>PATH</c> variable. <value>The default value is null.</value></summary>
    public string? ExecutablePath { get; init; }

    /// <summary>
    /// Path of the <c>ffprobe</c> executable (used to read an MP4's size and rate); null looks next to ffmpeg, then on
    /// <c>PATH</c>. Debian's and Homebrew's ffmpeg packages install both. <value>The default value is null.</value>
    /// </summary>
    public string? ProbePath { get; init; }

    /// <summary>Longest a single ffmpeg run may take before it is killed. <value>The default value is 10 minutes.</value></summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(10);
}
