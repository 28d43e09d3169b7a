namespace VideoDiffusion.IO;

/// <summary>What <see cref="VideoExport.SaveBatch"/> writes for a batch of generated clips.</summary>
public sealed record ClipBatchSaveOptions
{
    /// <summary>The shared default options.</summary>
    public static ClipBatchSaveOptions Default { get; } = new();

    /// <summary>File name prefix: <c>{prefix}_000.gif</c>, <c>{prefix}_contact.png</c>, <c>{prefix}.npy</c>. <value>The default value is "clip".</value></summary>
    public string Prefix { get; init; } = "clip";

    /// <summary>Write one GIF per clip. <value>The default value is true.</value></summary>
    public bool Gifs { get; init; } = true;

    /// <summary>Write one contact sheet PNG of the whole batch. <value>The default value is true.</value></summary>
    public bool ContactSheet { get; init; } = true;

    /// <summary>Write the batch itself as float32 <c>[B, C, T, H, W]</c> in model space to a <c>.npy</c> file (<c>np.load</c> reads it). <value>The default value is true.</value></summary>
    public bool Npy { get; init; } = true;

    /// <summary>Write one MP4 per clip (needs ffmpeg). <value>The default value is false.</value></summary>
    public bool Mp4 { get; init; }

    /// <summary>GIF options (frame rate, palette, dithering). <value>The default value is <see cref="GifWriteOptions.Default"/>.</value></summary>
    public GifWriteOptions Gif { get; init; } = GifWriteOptions.Default;

    /// <summary>Contact sheet layout. <value>The default value is <see cref="ContactSheetOptions.Default"/>.</value></summary>
    public ContactSheetOptions Sheet { get; init; } = ContactSheetOptions.Default;

    /// <summary>MP4 options, used when <see cref="Mp4"/> is true. <value>The default value is <see cref="Mp4WriteOptions.Default"/>.</value></summary>
    public Mp4WriteOptions Video { get; init; } = Mp4WriteOptions.Default;
}
