namespace VideoDiffusion.IO;

/// <summary>
/// Animated GIFs: write clips (GIF89a, looping, delay from the frame rate, exact colours up to 256 per table, median-cut
/// quantization beyond) and read GIFs from untrusted sources (global and local colour tables, interlacing,
/// transparency, disposal methods). Readers throw only <see cref="InvalidDataException"/> (with the byte offset) for
/// bad bytes. GIF needs no external tool.
/// </summary>
public static class Gif
{
    /// <summary>Encodes <paramref name="frames"/> as a GIF in memory.</summary>
    /// <exception cref="ArgumentException">A frame is larger than 65535 x 65535.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public static byte[] Encode(VideoFrames frames, GifWriteOptions? options = null)
    {
        using var stream = new MemoryStream();
        Write(stream, frames, options);
        return stream.ToArray();
    }

    /// <summary>Writes <paramref name="frames"/> (grey, RGB or RGBA; alpha ignored) as a GIF to <paramref name="stream"/>.</summary>
    /// <exception cref="ArgumentException">A frame is larger than 65535 x 65535.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public static void Write(Stream stream, VideoFrames frames, GifWriteOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(frames);
        GifEncoder.Encode(stream, frames, options ?? GifWriteOptions.Default);
    }

    /// <summary>Writes <paramref name="frames"/> as a GIF file, atomically (temporary file + rename).</summary>
    /// <exception cref="ArgumentException">A frame is larger than 65535 x 65535.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public static void Write(string path, VideoFrames frames, GifWriteOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(frames);
        (options ?? GifWriteOptions.Default).Validate();
        AtomicFile.Write(path, s => Write(s, frames, options));
    }

    /// <summary>Decodes a GIF held in memory.</summary>
    /// <exception cref="InvalidDataException">The bytes are not a valid GIF or exceed the options' limits.</exception>
    public static GifAnimation Decode(ReadOnlySpan<byte> data, GifReadOptions? options = null) =>
        GifDecoder.Decode(data, options ?? GifReadOptions.Default);

    /// <summary>Reads a GIF from the rest of <paramref name="stream"/>.</summary>
    /// <exception cref="InvalidDataException">The bytes are not a valid GIF or exceed the options' limits.</exception>
    public static GifAnimation Read(Stream stream, GifReadOptions? options = null) => Decode(AtomicFile.ReadAll(stream), options);

    /// <summary>Reads the GIF file at <paramref name="path"/>.</summary>
    /// <exception cref="InvalidDataException">The file is not a valid GIF or exceeds the options' limits.</exception>
    public static GifAnimation Read(string path, GifReadOptions? options = null) => Decode(AtomicFile.ReadAll(path, "GIF"), options);
}
