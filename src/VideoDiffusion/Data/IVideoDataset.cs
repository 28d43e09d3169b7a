namespace VideoDiffusion.Data;

/// <summary>
/// A finite, indexable set of video clips. <see cref="Get"/> is deterministic per index and thread-safe (the loader
/// calls it from a background thread).
/// </summary>
public interface IVideoDataset
{
    /// <summary>Number of clips N; valid indices are <c>0 … N - 1</c>.</summary>
    int Count { get; }

    /// <summary>Number of classes of the labels, or 0 when the clips are unlabelled.</summary>
    int NumClasses { get; }

    /// <summary>Clip <paramref name="index"/>: <c>[C, T, H, W]</c> float32 in <c>[-1, 1]</c> on the CPU, with its label when <see cref="NumClasses"/> &gt; 0.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is outside <c>[0, Count)</c>.</exception>
    VideoExample Get(int index);

    /// <summary>A short description with every parameter.</summary>
    string Description { get; }
}
