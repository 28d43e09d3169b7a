namespace VideoDiffusion.IO;

/// <summary>Options of <see cref="Gif.Read(string, GifReadOptions?)"/>.</summary>
public sealed record GifReadOptions
{
    /// <summary>The shared default options.</summary>
    public static GifReadOptions Default { get; } = new();

    /// <summary>
    /// Whether to return RGBA frames (alpha 0 where no frame has painted, or where transparency shows through) instead
    /// of RGB (alpha dropped; transparent pixels show the canvas colour underneath, black where nothing was painted).
    /// <value>The default value is false.</value>
    /// </summary>
    public bool KeepAlpha { get; init; }

    /// <summary>
    /// Largest logical screen (canvas), in pixels. GIF lets a few bytes declare a 65535 x 65535 canvas that no image
    /// data needs to fill, so the file size cannot bound it; this limit does. <value>The default value is 2^26 (e.g. 8192 x 8192).</value>
    /// </summary>
    public long MaxPixels { get; init; } = 1L << 26;

    /// <summary>Largest decoded result (T x H x W x C bytes) the reader returns. <value>The default value is 2^30 (1 GiB).</value></summary>
    public long MaxOutputBytes { get; init; } = 1L << 30;
}
