using static TorchSharp.torch;

namespace VideoDiffusion.Data;

/// <summary>A batch made by <see cref="VideoDataLoader"/>. The receiver owns (and disposes) it.</summary>
public sealed class VideoBatch : IDisposable
{
    internal VideoBatch(Tensor videos, Tensor? labels, int[] indices, LoaderPosition position)
    {
        Videos = videos;
        Labels = labels;
        Indices = indices;
        Position = position;
    }

    /// <summary>The clips <c>[B, C, T, H, W]</c> float32 in <c>[-1, 1]</c> on the CPU.</summary>
    public Tensor Videos { get; }

    /// <summary>The labels <c>[B]</c> int64, or null when the dataset is unlabelled.</summary>
    public Tensor? Labels { get; }

    /// <summary>The dataset indices of the clips, in batch order.</summary>
    public IReadOnlyList<int> Indices { get; }

    /// <summary>Where this batch sits in the loader's stream (epoch and batch number within the epoch).</summary>
    public LoaderPosition Position { get; }

    /// <summary>Disposes the tensors.</summary>
    public void Dispose()
    {
        Videos.Dispose();
        Labels?.Dispose();
    }
}
