using System.Globalization;

namespace VideoDiffusion.IO;

/// <summary>A decoded MP4 video stream.</summary>
/// <param name="Frames">The frames as RGB bytes <c>[T, H, W, 3]</c>.</param>
/// <param name="FramesPerSecond">The stream's average frame rate (0 when the file does not say).</param>
public sealed record Mp4Video(VideoFrames Frames, double FramesPerSecond);

/// <summary>
/// H.264 MP4 files through the ffmpeg executable: frames go to ffmpeg as raw RGB over stdin and come back as raw RGB
/// over stdout, so no temporary frame files exist; the MP4 itself is written to a temporary sibling and renamed, and
/// removed if ffmpeg fails. Colour is stored as yuv420p (plays everywhere), so chroma is subsampled 2 x 2 and frames of
/// odd width or height are padded by one black column/row. When ffmpeg is missing these methods throw the
/// <see cref="InvalidOperationException"/> of <see cref="Ffmpeg.Locate"/>; GIF needs nothing external.
/// </summary>
public static class Mp4
{
    /// <summary>Writes <paramref name="frames"/> (grey, RGB or RGBA; alpha ignored) as an H.264 MP4 file.</summary>
    /// <exception cref="InvalidOperationException">ffmpeg is not installed (the message says how to install it).</exception>
    /// <exception cref="IOException">ffmpeg failed; the message carries its error output.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public static void Write(string path, VideoFrames frames, Mp4WriteOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(frames);
        options ??= Mp4WriteOptions.Default;
        options.Validate();
        var ffmpeg = Ffmpeg.Locate(options.Ffmpeg);
        var rgb = frames.ToRgb();
        var temp = AtomicFile.TempSibling(path, ".mp4");
        try
        {
            string[] arguments =
            [
                "-hide_banner", "-loglevel", "error", "-y",
                "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", $"{rgb.Width}x{rgb.Height}",
                "-framerate", options.FramesPerSecond.ToString("R", CultureInfo.InvariantCulture), "-i", "pipe:0",
                "-an", "-vf", "pad=ceil(iw/2)*2:ceil(ih/2)*2",
                "-c:v", "libx264", "-preset", options.Preset, "-crf", options.Crf.ToString(CultureInfo.InvariantCulture),
                "-pix_fmt", "yuv420p", "-movflags", "+faststart", "-f", "mp4", temp,
            ];
            var result = Ffmpeg.Run(ffmpeg, arguments, stdin => stdin.Write(rgb.Data), options.Ffmpeg.Timeout, cancellationToken);
            if (result.ExitCode != 0)
            {
                throw new IOException($"ffmpeg could not write '{path}' (exit code {result.ExitCode}): {result.Errors}");
            }
            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            AtomicFile.DeleteQuietly(temp);
        }
    }

    /// <summary>Decodes the first video stream of <paramref name="path"/> (any format ffmpeg reads) to RGB frames.</summary>
    /// <exception cref="InvalidOperationException">ffmpeg or ffprobe is not installed (the message says how to install it).</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">ffmpeg cannot decode the file; the message carries its error output.</exception>
    public static Mp4Video Read(string path, FfmpegOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        options ??= FfmpegOptions.Default;
        var ffmpeg = Ffmpeg.Locate(options);
        var ffprobe = Ffmpeg.LocateProbe(options);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"No video at '{path}'.", path);
        }

        var probe = Ffmpeg.Run(ffprobe,
            ["-v", "error", "-select_streams", "v:0", "-show_entries", "stream=width,height,avg_frame_rate", "-of", "default=noprint_wrappers=1", path],
            null, options.Timeout, cancellationToken);
        var fields = System.Text.Encoding.UTF8.GetString(probe.Output)
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => line.Split('=', 2))
            .Where(kv => kv.Length == 2)
            .GroupBy(kv => kv[0])
            .ToDictionary(g => g.Key, g => g.First()[1]);
        if (probe.ExitCode != 0 || !TryDimension(fields, "width", out var width) || !TryDimension(fields, "height", out var height))
        {
            throw new InvalidDataException($"MP4: ffprobe found no readable video stream in '{path}' (at byte offset 0): {probe.Errors}");
        }

        var decode = Ffmpeg.Run(ffmpeg,
            ["-hide_banner", "-loglevel", "error", "-i", path, "-map", "0:v:0", "-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:1"],
            null, options.Timeout, cancellationToken);
        var frameBytes = (long)width * height * 3;
        if (decode.ExitCode != 0 || decode.Output.Length == 0 || decode.Output.Length % frameBytes != 0)
        {
            throw new InvalidDataException(
                $"MP4: ffmpeg could not decode '{path}' (exit code {decode.ExitCode}, {decode.Output.Length} bytes for {width} x {height} frames) (at byte offset 0): {decode.Errors}");
        }
        var frames = new VideoFrames(decode.Output, (int)(decode.Output.Length / frameBytes), height, width, 3);
        return new Mp4Video(frames, ParseRate(fields.GetValueOrDefault("avg_frame_rate")));
    }

    private static bool TryDimension(Dictionary<string, string> fields, string key, out int value) =>
        int.TryParse(fields.GetValueOrDefault(key), NumberStyles.None, CultureInfo.InvariantCulture, out value) && value > 0;

    private static double ParseRate(string? rate)
    {
        var parts = (rate ?? "").Split('/');
        if (parts.Length == 2
            && double.TryParse(parts[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var num)
            && double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var den) && den > 0)
        {
            return num / den;
        }
        return 0;
    }
}
