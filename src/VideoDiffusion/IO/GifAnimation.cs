namespace VideoDiffusion.IO;

/// <summary>A decoded GIF: its composed frames and timing.</summary>
/// <param name="Frames">Every frame composed onto the logical screen, <c>[T, H, W, 3 or 4]</c>.</param>
/// <param name="DelaysCentiseconds">Each frame's delay in hundredths of a second (0 where the file gives none).</param>
/// <param name="LoopCount">The NETSCAPE2.0 loop count (0 = forever), or null when the file has none (play once).</param>
public sealed record GifAnimation(VideoFrames Frames, IReadOnlyList<int> DelaysCentiseconds, int? LoopCount)
{
    /// <summary>Frames per second implied by the mean delay, or null when every delay is 0.</summary>
    public double? FramesPerSecond
    {
        get
        {
            var mean = DelaysCentiseconds.Count == 0 ? 0 : DelaysCentiseconds.Average();
            return mean > 0 ? 100.0 / mean : null;
        }
    }
}
