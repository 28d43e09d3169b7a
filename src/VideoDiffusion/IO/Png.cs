using System.IO.Compression;

namespace VideoDiffusion.IO;

/// <summary>
/// PNG images: write frames as 8-bit grey/RGB/RGBA PNG files and read PNG files (any colour type, bit depth and
/// interlacing) from untrusted sources, e.g. the frames of a folder dataset. Readers throw only
/// <see cref="InvalidDataException"/> (with the byte offset) for bad bytes.
/// </summary>
public static class Png
{
    /// <summary>Encodes frame <paramref name="frameIndex"/> of <paramref name="frames"/> as a PNG file in memory.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="frameIndex"/> is outside <c>[0, T)</c>.</exception>
    public static byte[] Encode(VideoFrames frames, int frameIndex = 0, CompressionLevel level = CompressionLevel.Optimal)
    {
        using var stream = new MemoryStream();
        Write(stream, frames, frameIndex, level);
        return stream.ToArray();
    }

    /// <summary>Writes frame <paramref name="frameIndex"/> of <paramref name="frames"/> as a PNG to <paramref name="stream"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="frameIndex"/> is outside <c>[0, T)</c>.</exception>
    public static void Write(Stream stream, VideoFrames frames, int frameIndex = 0, CompressionLevel level = CompressionLevel.Optimal)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(frames);
        var pixels = frames.Frame(frameIndex);
        PngEncoder.Encode(stream, pixels, frames.Width, frames.Height, frames.Channels, level);
    }

    /// <summary>Writes frame <paramref name="frameIndex"/> of <paramref name="frames"/> to <paramref name="path"/> atomically (temporary file + rename).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="frameIndex"/> is outside <c>[0, T)</c>.</exception>
    public static void Write(string path, VideoFrames frames, int frameIndex = 0, CompressionLevel level = CompressionLevel.Optimal)
    {
        ArgumentNullException.ThrowIfNull(frames);
        ArgumentOutOfRangeException.ThrowIfNegative(frameIndex);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(frameIndex, frames.Frames);
        AtomicFile.Write(path, s => Write(s, frames, frameIndex, level));
    }

    /// <summary>
    /// Writes every frame to <paramref name="directory"/> as <c>{prefix}_0000.png</c>, <c>{prefix}_0001.png</c>, … and
    /// returns the paths in frame order.
    /// </summary>
    public static IReadOnlyList<string> WriteFrames(string directory, VideoFrames frames, string prefix = "frame", CompressionLevel level = CompressionLevel.Optimal)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        ArgumentException.ThrowIfNullOrWhiteSpace(prefix);
        ArgumentNullException.ThrowIfNull(frames);
        Directory.CreateDirectory(directory);
        var paths = new string[frames.Frames];
        for (var t = 0; t < frames.Frames; t++)
        {
            paths[t] = Path.Combine(directory, $"{prefix}_{t:D4}.png");
            Write(paths[t], frames, t, level);
        }
        return paths;
    }

    /// <summary>Decodes a PNG image held in memory to frames <c>[1, H, W, 3]</c> (or 4 channels with <see cref="PngReadOptions.KeepAlpha"/>).</summary>
    /// <exception cref="InvalidDataException">The bytes are not a valid PNG image or exceed the options' limits.</exception>
    public static VideoFrames Decode(ReadOnlySpan<byte> data, PngReadOptions? options = null) =>
        PngDecoder.Decode(data, options ?? PngReadOptions.Default);

    /// <summary>Reads a PNG image from the rest of <paramref name="stream"/>.</summary>
    /// <exception cref="InvalidDataException">The bytes are not a valid PNG image or exceed the options' limits.</exception>
    public static VideoFrames Read(Stream stream, PngReadOptions? options = null) => Decode(AtomicFile.ReadAll(stream), options);

    /// <summary>Reads the PNG file at <paramref name="path"/>.</summary>
    /// <exception cref="InvalidDataException">The file is not a valid PNG image or exceeds the options' limits.</exception>
    public static VideoFrames Read(string path, PngReadOptions? options = null) => Decode(AtomicFile.ReadAll(path, "PNG"), options);

    /// <summary>
    /// Reads several PNG files of one size as the frames of one clip, in the order given.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="paths"/> is empty.</exception>
    /// <exception cref="InvalidDataException">A file is not a valid PNG, or its size or channel count differs from the first file's.</exception>
    public static VideoFrames ReadFrames(IEnumerable<string> paths, PngReadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(paths);
        var images = paths.Select(p => (Path: p, Image: Read(p, options))).ToList();
        if (images.Count == 0)
        {
            throw new ArgumentException("Expected at least one PNG path, got none.", nameof(paths));
        }
        var first = images[0].Image;
        var result = new VideoFrames(images.Count, first.Height, first.Width, first.Channels);
        for (var t = 0; t < images.Count; t++)
        {
            var image = images[t].Image;
            if (image.Width != first.Width || image.Height != first.Height)
            {
                throw new InvalidDataException(
                    $"PNG: '{images[t].Path}' is {image.Width} x {image.Height}, but '{images[0].Path}' is {first.Width} x {first.Height}; frames of one clip must share a size (at byte offset 16).");
            }
            image.Data.CopyTo(result.Frame(t));
        }
        return result;
    }

    /// <summary>
    /// Reads every <c>*.png</c> file of <paramref name="directory"/>, sorted by file name (ordinal), as the frames of one
    /// clip: the layout of a folder dataset (<c>clip_017/0000.png, 0001.png, …</c>).
    /// </summary>
    /// <exception cref="ArgumentException">The directory holds no PNG file.</exception>
    /// <exception cref="InvalidDataException">A file is not a valid PNG, or sizes differ.</exception>
    public static VideoFrames ReadFolder(string directory, PngReadOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        var files = Directory.GetFiles(directory, "*.png").OrderBy(f => Path.GetFileName(f), StringComparer.Ordinal).ToList();
        if (files.Count == 0)
        {
            throw new ArgumentException($"Expected PNG files in '{directory}', found none.", nameof(directory));
        }
        return ReadFrames(files, options);
    }
}
