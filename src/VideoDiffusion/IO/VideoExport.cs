using VideoDiffusion.Internal;
using static TorchSharp.torch;

namespace VideoDiffusion.IO;

/// <summary>
/// One-call savers from model space (<c>[C, T, H, W]</c> clips, <c>[B, C, T, H, W]</c> batches in [-1, 1]) to files:
/// what a sampling pipeline calls to show its results. Conversions go through <see cref="VideoTensors"/>.
/// </summary>
public static class VideoExport
{
    /// <summary>Saves one clip <c>[C, T, H, W]</c> as an animated GIF.</summary>
    /// <exception cref="ArgumentException">The clip is not floating-point <c>[C, T, H, W]</c> with C in {1, 3, 4}, or holds NaN or an infinity (the message names the first).</exception>
    public static void SaveGif(string path, Tensor clip, GifWriteOptions? options = null)
    {
        VideoTensors.RequireFinite(clip, nameof(clip));
        Gif.Write(path, VideoTensors.ToFrames(clip), options);
    }

    /// <summary>Saves one clip <c>[C, T, H, W]</c> as an H.264 MP4 (needs ffmpeg).</summary>
    /// <exception cref="ArgumentException">The clip is not floating-point <c>[C, T, H, W]</c> with C in {1, 3, 4}, or holds NaN or an infinity (the message names the first).</exception>
    /// <exception cref="InvalidOperationException">ffmpeg is not installed (the message says how to install it; GIF needs nothing).</exception>
    public static void SaveMp4(string path, Tensor clip, Mp4WriteOptions? options = null, CancellationToken cancellationToken = default)
    {
        VideoTensors.RequireFinite(clip, nameof(clip));
        Mp4.Write(path, VideoTensors.ToFrames(clip), options, cancellationToken);
    }

    /// <summary>Saves a batch <c>[B, C, T, H, W]</c> as one contact-sheet PNG (rows = clips, columns = frames).</summary>
    /// <exception cref="ArgumentException">The batch is not floating-point <c>[B, C, T, H, W]</c> with C in {1, 3, 4}, or holds NaN or an infinity (the message names the first).</exception>
    public static void SaveContactSheet(string path, Tensor batch, ContactSheetOptions? options = null) =>
        Png.Write(path, ContactSheet.Render(batch, options));

    /// <summary>
    /// Saves a generated batch <c>[B, C, T, H, W]</c> into <paramref name="directory"/> (created if needed): by default a
    /// GIF per clip, a contact sheet PNG and the float32 batch as <c>.npy</c>; optionally an MP4 per clip. Returns the
    /// paths written.
    /// </summary>
    /// <exception cref="ArgumentException">The batch is not floating-point <c>[B, C, T, H, W]</c> with C in {1, 3, 4}, or holds NaN or an infinity (the message names the first).</exception>
    /// <exception cref="InvalidOperationException"><see cref="ClipBatchSaveOptions.Mp4"/> is set and ffmpeg is not installed.</exception>
    public static IReadOnlyList<string> SaveBatch(string directory, Tensor batch, ClipBatchSaveOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        Shapes.RequireVideoBatch(batch, nameof(batch));
        Shapes.RequireFloating(batch, nameof(batch));
        VideoTensors.RequireFinite(batch, nameof(batch));
        options ??= ClipBatchSaveOptions.Default;
        ArgumentException.ThrowIfNullOrWhiteSpace(options.Prefix, nameof(options));
        options.Gif.Validate();
        options.Sheet.Validate();
        if (options.Mp4)
        {
            options.Video.Validate();
            Ffmpeg.Locate(options.Video.Ffmpeg);
        }
        Directory.CreateDirectory(directory);
        var clips = VideoTensors.ToFramesBatch(batch);
        var written = new List<string>();
        for (var b = 0; b < clips.Count; b++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (options.Gifs)
            {
                var path = Path.Combine(directory, $"{options.Prefix}_{b:D3}.gif");
                Gif.Write(path, clips[b], options.Gif);
                written.Add(path);
            }
            if (options.Mp4)
            {
                var path = Path.Combine(directory, $"{options.Prefix}_{b:D3}.mp4");
                Mp4.Write(path, clips[b], options.Video, cancellationToken);
                written.Add(path);
            }
        }
        if (options.ContactSheet)
        {
            var path = Path.Combine(directory, $"{options.Prefix}_contact.png");
            Png.Write(path, ContactSheet.Render(clips, options.Sheet));
            written.Add(path);
        }
        if (options.Npy)
        {
            var path = Path.Combine(directory, $"{options.Prefix}.npy");
            using var scope = NewDisposeScope();
            Npy.Write(path, batch.detach().to(ScalarType.Float32));
            written.Add(path);
        }
        return written;
    }
}
