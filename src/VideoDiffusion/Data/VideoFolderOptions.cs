using System.Text.Json.Serialization;
using VideoDiffusion.IO;

namespace VideoDiffusion.Data;

/// <summary>How <see cref="VideoFolderDataset"/> reads a folder of clips.</summary>
public sealed record VideoFolderOptions
{
    /// <summary>
    /// Each subdirectory of the root is a class holding clips (label = its index in ordinal name order); otherwise the
    /// clips are directly in the root and unlabelled. <value>The default value is false.</value>
    /// </summary>
    public bool ClassSubdirectories { get; init; }

    /// <summary>Keep at most this many frames from the start of each clip; null = all. <value>The default value is null.</value></summary>
    public int? MaxFrames { get; init; }

    /// <summary>Where ffmpeg is (for MP4 clips). <value>The default value is <see cref="FfmpegOptions.Default"/> (found on the PATH).</value></summary>
    [JsonIgnore]
    public FfmpegOptions Ffmpeg { get; init; } = FfmpegOptions.Default;
}
