namespace VideoDiffusion.IO;

/// <summary>How <see cref="Gif"/> chooses colour tables.</summary>
public enum GifPaletteMode
{
    /// <summary>One exact global table when the whole clip has at most <see cref="GifWriteOptions.MaxColors"/> colours; otherwise a local table per frame (exact where the frame allows).</summary>
    Auto,

    /// <summary>One global table for every frame (exact, or median cut over the whole clip). Smallest files; most banding for many-coloured clips.</summary>
    Global,

    /// <summary>A local table for each frame (exact, or median cut over that frame). Best colours; larger files.</summary>
    PerFrame,
}
