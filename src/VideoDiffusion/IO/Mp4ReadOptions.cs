namespace VideoDiffusion.IO;

/// <summary>Options of <see cref="Mp4.Read(string, Mp4ReadOptions?, CancellationToken)"/>.</summary>
public sealed record Mp4ReadOptions
{
    /// <summary>The shared default options.</summary>
    public static Mp4ReadOptions Default { get; } = new();

    /// <summary>Where ffmpeg and ffprobe are and how long they may run. <value>The default value is <see cref="FfmpegOptions.Default"/>.</value></summary>
    public FfmpegOptions Ffmpeg { get; init; } = FfmpegOptions.Default;

    /// <summary>
    /// Largest frame, in pixels (width x height as ffprobe reports it), the reader accepts; larger streams throw
    /// <see cref="InvalidDataException"/> before anything is decoded. <value>The default value is 2^26 (e.g. 8192 x 8192).</value>
    /// </summary>
    public long MaxPixels { get; init; } = 1L << 26;

    /// <summary>
    /// Largest decoded result (T x H x W x 3 bytes) the reader returns. A few kilobytes of H.264 can hold thousands of
    /// skipped 1080p frames, so the file size cannot bound the output; this limit does. The frame count is probed
    /// before decoding, and decoding stops the moment ffmpeg sends more. <value>The default value is 2^30 (1 GiB).</value>
    /// </summary>
    public long MaxOutputBytes { get; init; } = 1L << 30;

    /// <summary>Checks the limits.</summary>
    /// <exception cref="ArgumentNullException"><see cref="Ffmpeg"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><see cref="MaxPixels"/> or <see cref="MaxOutputBytes"/> is less than 1.</exception>
    internal void Validate()
    {
        ArgumentNullException.ThrowIfNull(Ffmpeg, nameof(Ffmpeg));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxPixels, 1L, nameof(MaxPixels));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxOutputBytes, 1L, nameof(MaxOutputBytes));
    }
}
