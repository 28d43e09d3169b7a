using System.Globalization;

namespace VideoDiffusion.IO;

/// <summary>A decoded MP4 video stream.</summary>
/// <param name="Frames">The frames as RGB bytes <c>[T, H, W, 3]</c>.</param>
/// <param name="FramesPerSecond">The stream's average frame rate (0 when the file does not say).</param>
public sealed record Mp4Video(VideoFrames Frames, double FramesPerSecond);

/// <summary>
/// H.264 MP4 files through the ffmpeg executable: frames go to ffmpeg as raw RGB over stdin and come back as raw RGB
/// over stdout, so no temporary frame files exist; the MP4 itself is written to a temporary sibling and renamed, and
/// removed if ffmpeg fails. Reading probes the size and frame count first and enforces <see cref="Mp4ReadOptions"/>'
/// limits before decoding. Colour is stored as yuv420p (plays everywhere), so chroma is subsampled 2 x 2 and frames of
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

    /// <summary>
    /// Decodes the first video stream of the MP4 (or MOV, the same ISO base media container) at
    /// <paramref name="path"/> to RGB frames. ffprobe first reads the frame size and counts the stream's packets, and the
    /// limits of <paramref name="readOptions"/> are checked against them before anything is decoded; frames then stream
    /// from ffmpeg into one buffer of exactly that size, and decoding stops the moment ffmpeg sends more. Both tools
    /// open the file through the <c>file</c> protocol only and with the MOV/MP4 demuxer forced, so a playlist or concat
    /// script renamed <c>.mp4</c> cannot make them read other files.
    /// </summary>
    /// <exception cref="InvalidOperationException">ffmpeg or ffprobe is not installed (the message says how to install it).</exception>
    /// <exception cref="ArgumentOutOfRangeException">A limit of <paramref name="readOptions"/> is less than 1.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not an MP4/MOV with a video stream, exceeds
    /// <see cref="Mp4ReadOptions.MaxPixels"/> or <see cref="Mp4ReadOptions.MaxOutputBytes"/>, or ffmpeg cannot decode it;
    /// the message names the file (and carries ffmpeg's error output).</exception>
    public static Mp4Video Read(string path, Mp4ReadOptions? readOptions = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var limits = readOptions ?? Mp4ReadOptions.Default;
        limits.Validate();
        var options = limits.Ffmpeg;
        var ffmpeg = Ffmpeg.Locate(options);
        var ffprobe = Ffmpeg.LocateProbe(options);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"No video at '{path}'.", path);
        }
        // "file:" keeps a name such as "concat:a|b" or "http:..." a file name; the whitelist and the forced demuxer keep
        // ffmpeg from following references inside the file (HLS playlists, ffconcat scripts) to other files.
        var input = "file:" + Path.GetFullPath(path);
        string[] guard = ["-protocol_whitelist", "file", "-f", "mov"];

        var probe = Ffmpeg.Run(ffprobe,
            ["-v", "error", .. guard, "-select_streams", "v:0", "-count_packets",
                "-show_entries", "stream=width,height,avg_frame_rate,nb_read_packets", "-of", "default=noprint_wrappers=1", input],
            null, options.Timeout, cancellationToken);
        var fields = System.Text.Encoding.UTF8.GetString(probe.Output)
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => line.Split('=', 2))
            .Where(kv => kv.Length == 2)
            .GroupBy(kv => kv[0])
            .ToDictionary(g => g.Key, g => g.First()[1]);
        if (probe.ExitCode != 0 || !TryDimension(fields, "width", out var width) || !TryDimension(fields, "height", out var height)
            || !TryDimension(fields, "nb_read_packets", out var packets))
        {
            throw new InvalidDataException($"MP4: ffprobe found no readable MP4/MOV video stream with frames in '{path}' (at byte offset 0): {probe.Errors}");
        }
        var pixels = (long)width * height;
        if (pixels > limits.MaxPixels)
        {
            throw new InvalidDataException(
                $"MP4: frames of {width} x {height} are more pixels than Mp4ReadOptions.MaxPixels ({limits.MaxPixels}) allows, in '{path}' (at byte offset 0).");
        }
        var frameBytes = pixels * 3;
        var limit = Math.Min(limits.MaxOutputBytes, Array.MaxLength);
        if (packets > limit / frameBytes)
        {
            throw new InvalidDataException(
                $"MP4: {packets} frame(s) of {width} x {height} need {(Int128)packets * frameBytes} bytes decoded, more than Mp4ReadOptions.MaxOutputBytes ({limits.MaxOutputBytes}){(limit < limits.MaxOutputBytes ? $" or one array ({Array.MaxLength})" : "")} allows, in '{path}' (at byte offset 0).");
        }

        // One frame per packet at most: "-vsync 0" stops ffmpeg from inventing duplicate frames to fill timestamp gaps,
        // and "-frames:v" stops it after the probed count.
        var data = new byte[packets * frameBytes];
        var filled = 0;
        var decode = Ffmpeg.Run(ffmpeg,
            ["-hide_banner", "-loglevel", "error", "-nostdin", .. guard, "-i", input, "-map", "0:v:0", "-vsync", "0",
                "-frames:v", packets.ToString(CultureInfo.InvariantCulture), "-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:1"],
            null, options.Timeout, cancellationToken,
            stdout =>
            {
                filled = stdout.ReadAtLeast(data, data.Length, throwOnEndOfStream: false);
                if (filled == data.Length && stdout.ReadByte() >= 0)
                {
                    throw new InvalidDataException(
                        $"MP4: ffmpeg sent more than the {packets} frame(s) of {width} x {height} ffprobe counted in '{path}'; decoding was stopped (at byte offset 0).");
                }
            });
        if (decode.ExitCode != 0 || filled == 0 || filled % frameBytes != 0)
        {
            throw new InvalidDataException(
                $"MP4: ffmpeg could not decode '{path}' (exit code {decode.ExitCode}, {filled} bytes for {width} x {height} frames) (at byte offset 0): {decode.Errors}");
        }
        if (filled < data.Length)
        {
            // Fewer frames than packets (e.g. packets that decode to nothing): keep what arrived.
            Array.Resize(ref data, filled);
        }
        var frames = new VideoFrames(data, (int)(filled / frameBytes), height, width, 3);
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
