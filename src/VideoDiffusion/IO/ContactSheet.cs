using static TorchSharp.torch;

namespace VideoDiffusion.IO;

/// <summary>
/// A grid image of a batch at a glance: one row per clip, one column per frame, cells separated by
/// <see cref="ContactSheetOptions.Spacing"/> pixels of background. The result is one RGB image
/// <c>[1, rows * H + (rows + 1) * s, columns * W + (columns + 1) * s, 3]</c>; save it with <see cref="Png"/>.
/// </summary>
public static class ContactSheet
{
    /// <summary>Renders clips of one frame size (frame counts may differ; short rows end early).</summary>
    /// <exception cref="ArgumentException">No clips, or clips of different frame sizes, or the sheet would be too large.</exception>
    public static VideoFrames Render(IReadOnlyList<VideoFrames> clips, ContactSheetOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(clips);
        options ??= ContactSheetOptions.Default;
        options.Validate();
        if (clips.Count == 0)
        {
            throw new ArgumentException("Expected at least one clip, got none.", nameof(clips));
        }
        var first = clips[0] ?? throw new ArgumentNullException(nameof(clips));
        int h = first.Height, w = first.Width, s = options.Spacing, step = options.FrameStep;
        foreach (var clip in clips)
        {
            ArgumentNullException.ThrowIfNull(clip, nameof(clips));
            if (clip.Height != h || clip.Width != w)
            {
                throw new ArgumentException($"Expected every clip to be {w} x {h}, got {clip.Width} x {clip.Height}.", nameof(clips));
            }
        }
        var columns = clips.Max(c => (c.Frames + step - 1) / step);
        var sheetWidth = (long)columns * w + (columns + 1L) * s;
        var sheetHeight = (long)clips.Count * h + (clips.Count + 1L) * s;
        if (sheetWidth > int.MaxValue || sheetHeight > int.MaxValue || sheetWidth * sheetHeight * 3 > Array.MaxLength)
        {
            throw new ArgumentException($"A {sheetWidth} x {sheetHeight} sheet is too large; raise FrameStep or pass fewer clips.", nameof(clips));
        }
        var sheet = new VideoFrames(1, (int)sheetHeight, (int)sheetWidth, 3);
        var data = sheet.Data;
        for (var p = 0; p < data.Length; p += 3)
        {
            data[p] = options.Background.R;
            data[p + 1] = options.Background.G;
            data[p + 2] = options.Background.B;
        }
        for (var row = 0; row < clips.Count; row++)
        {
            var rgb = clips[row].ToRgb();
            for (var column = 0; column * step < rgb.Frames; column++)
            {
                var frame = rgb.Frame(column * step);
                var x0 = s + column * (w + s);
                var y0 = s + row * (h + s);
                for (var y = 0; y < h; y++)
                {
                    frame.Slice(y * w * 3, w * 3).CopyTo(data.AsSpan((int)(((long)(y0 + y) * sheetWidth + x0) * 3), w * 3));
                }
            }
        }
        return sheet;
    }

    /// <summary>Renders a model-space batch <c>[B, C, T, H, W]</c> (values in [-1, 1], C in {1, 3, 4}).</summary>
    /// <exception cref="ArgumentException">The batch is not a floating-point <c>[B, C, T, H, W]</c> with C in {1, 3, 4}, or holds NaN or an infinity (the message names the first).</exception>
    public static VideoFrames Render(Tensor batch, ContactSheetOptions? options = null)
    {
        VideoTensors.RequireFinite(batch, nameof(batch));
        return Render(VideoTensors.ToFramesBatch(batch), options);
    }
}
