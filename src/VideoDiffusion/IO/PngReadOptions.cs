namespace VideoDiffusion.IO;

/// <summary>Options of <see cref="Png.Read(string, PngReadOptions?)"/>.</summary>
public sealed record PngReadOptions
{
    /// <summary>The shared default options.</summary>
    public static PngReadOptions Default { get; } = new();

    /// <summary>
    /// Whether to return RGBA (4 channels) instead of RGB (3 channels, alpha dropped without compositing). Grey
    /// images are returned as RGB either way. <value>The default value is false.</value>
    /// </summary>
    public bool KeepAlpha { get; init; }

    /// <summary>
    /// Largest image, in pixels, the reader accepts; larger claims throw <see cref="InvalidDataException"/> before
    /// anything is allocated. Independently of this limit, the decompressed size a header claims must be one the
    /// file's compressed data can produce (deflate expands at most 1032:1) and one array can hold. Any value from 1 to
    /// <see cref="long.MaxValue"/> is safe; less than 1 throws <see cref="ArgumentOutOfRangeException"/> when decoding.
    /// <value>The default value is 2^28 (e.g. 16384 x 16384).</value>
    /// </summary>
    public long MaxPixels { get; init; } = 1L << 28;
}
