using VideoDiffusion.IO;
using static TorchSharp.torch;

namespace VideoDiffusion.Pipelines;

/// <summary>
/// Clips made by <see cref="VideoDiffusionPipeline.Generate"/>: a float32 CPU tensor <c>[B, C, T, H, W]</c> in model
/// space [-1, 1], with one-call savers. Owns the tensor; dispose when done. Every file is written atomically.
/// </summary>
public sealed class GeneratedClips : IDisposable
{
    private readonly double _framesPerSecond;

    internal GeneratedClips(Tensor videos, IReadOnlyList<long> seeds, double framesPerSecond)
    {
        Videos = videos;
        Seeds = seeds;
        _framesPerSecond = framesPerSecond;
    }

    /// <summary>The clips <c>[B, C, T, H, W]</c>, float32 on the CPU, in [-1, 1].</summary>
    public Tensor Videos { get; }

    /// <summary>The seed of each clip.</summary>
    public IReadOnlyList<long> Seeds { get; }

    /// <summary>Number of clips B.</summary>
    public int Count => (int)Videos.shape[0];

    /// <summary>Clip <paramref name="index"/> as <c>[C, T, H, W]</c> (a view; do not dispose the result separately from this object's lifetime).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is outside [0, Count).</exception>
    public Tensor this[int index]
    {
        get
        {
            ArgumentOutOfRangeException.ThrowIfNegative(index);
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
            return Videos[index];
        }
    }

    /// <summary>Writes clip <paramref name="index"/> as a looping GIF at the pipeline's frame rate.</summary>
    public void SaveGif(string path, int index = 0)
    {
        using var clip = this[index];
        VideoExport.SaveGif(path, clip, new GifWriteOptions { FramesPerSecond = _framesPerSecond });
    }

    /// <summary>Writes every clip as <c>{prefix}_{i:000}.gif</c> into <paramref name="directory"/> (created if needed); returns the paths.</summary>
    public IReadOnlyList<string> SaveGifs(string directory, string prefix = "clip") =>
        SaveEach(directory, prefix, mp4: false);

    /// <summary>Writes clip <paramref name="index"/> as an H.264 MP4 through the ffmpeg executable.</summary>
    /// <exception cref="InvalidOperationException">ffmpeg is not installed (the message says how to install it).</exception>
    public void SaveMp4(string path, int index = 0)
    {
        using var clip = this[index];
        VideoExport.SaveMp4(path, clip, Mp4WriteOptions.Default with { FramesPerSecond = _framesPerSecond });
    }

    /// <summary>Writes every clip as <c>{prefix}_{i:000}.mp4</c>; returns the paths.</summary>
    /// <exception cref="InvalidOperationException">ffmpeg is not installed.</exception>
    public IReadOnlyList<string> SaveMp4s(string directory, string prefix = "clip") =>
        SaveEach(directory, prefix, mp4: true);

    /// <summary>Writes a PNG grid: one row per clip, one column per frame.</summary>
    public void SaveContactSheet(string path, ContactSheetOptions? options = null) =>
        VideoExport.SaveContactSheet(path, Videos, options);

    /// <summary>Writes the batch as a float32 <c>.npy</c> array <c>[B, C, T, H, W]</c> (NumPy's <c>np.load</c> reads it).</summary>
    public void SaveNpy(string path) => Npy.Write(path, Videos);

    /// <summary>Disposes the tensor.</summary>
    public void Dispose() => Videos.Dispose();

    /// <summary>One file per clip, GIF or MP4, at the pipeline's frame rate, through <see cref="VideoExport.SaveBatch"/>.</summary>
    private IReadOnlyList<string> SaveEach(string directory, string prefix, bool mp4)
    {
        ArgumentException.ThrowIfNullOrEmpty(prefix);
        return VideoExport.SaveBatch(directory, Videos, new ClipBatchSaveOptions
        {
            Prefix = prefix,
            Gifs = !mp4,
            Mp4 = mp4,
            ContactSheet = false,
            Npy = false,
            Gif = new GifWriteOptions { FramesPerSecond = _framesPerSecond },
            Video = Mp4WriteOptions.Default with { FramesPerSecond = _framesPerSecond },
        });
    }
}
