using VideoDiffusion.Data;
using static TorchSharp.torch;

namespace VideoDiffusion.Benchmarks;

/// <summary>A dataset of fixed random clips held in memory, so a training-step benchmark pays no decoding or rendering.</summary>
internal sealed class InMemoryClips : IVideoDataset, IDisposable
{
    private readonly Tensor _clips;

    /// <summary>Draws <paramref name="count"/> clips <c>[C, T, H, W]</c> uniform in <c>[-1, 1]</c> from a fixed seed.</summary>
    public InMemoryClips(int count, long[] clipShape)
    {
        using var generator = new Generator(99, CPU);
        _clips = rand([count, .. clipShape], generator: generator).mul_(2).sub_(1);
        Count = count;
    }

    /// <inheritdoc />
    public int Count { get; }

    /// <inheritdoc />
    public int NumClasses => 0;

    /// <inheritdoc />
    public string Description => $"InMemoryClips(count={Count}, clip=[{string.Join(", ", _clips.shape.Skip(1))}])";

    /// <inheritdoc />
    public VideoExample Get(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
        return new VideoExample(_clips[index].clone());
    }

    /// <inheritdoc />
    public void Dispose() => _clips.Dispose();
}
