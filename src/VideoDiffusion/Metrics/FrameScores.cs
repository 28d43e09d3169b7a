namespace VideoDiffusion.Metrics;

/// <summary>A per-frame quality score for a batch of clips, with its averages.</summary>
public sealed class FrameScores
{
    internal FrameScores(double[][] perFrame)
    {
        PerFrame = perFrame;
        PerClip = perFrame.Select(frames => frames.Average()).ToArray();
        Mean = perFrame.SelectMany(frames => frames).Average();
    }

    /// <summary>Scores indexed <c>[clip][frame]</c>.</summary>
    public IReadOnlyList<IReadOnlyList<double>> PerFrame { get; }

    /// <summary>The mean over each clip's frames.</summary>
    public IReadOnlyList<double> PerClip { get; }

    /// <summary>The mean over every frame of every clip.</summary>
    public double Mean { get; }
}
