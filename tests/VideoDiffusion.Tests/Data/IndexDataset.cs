using VideoDiffusion.Data;

namespace VideoDiffusion.Tests.Data;

/// <summary>A test dataset whose clip i is the constant i / Count, shape [1, Frames, 2, 2], with label i % 3; optionally slow or failing.</summary>
internal sealed class IndexDataset(int count, int frames = 2, int delayMs = 0, int failAt = -1) : IVideoDataset
{
    private int _calls;

    public int Count => count;

    public int NumClasses => 3;

    public string Description => $"IndexDataset({count})";

    public int Calls => Volatile.Read(ref _calls);

    public VideoExample Get(int index)
    {
        Interlocked.Increment(ref _calls);
        if (index == failAt)
        {
            throw new InvalidOperationException($"clip {index} is broken");
        }
        if (delayMs > 0)
        {
            Thread.Sleep(delayMs);
        }
        return new VideoExample(full(new long[] { 1, frames, 2, 2 }, (float)index / count), index % 3);
    }

    /// <summary>Recovers the dataset index from a clip of a batch.</summary>
    public int IndexOf(Tensor clip) => (int)Math.Round(clip.flatten()[0].item<float>() * count);
}
