using VideoDiffusion.Data;

namespace VideoDiffusion.Metrics;

/// <summary>
/// One clip's object track (<see cref="ShapeTracks"/>): the shape seen in each frame and the counts of what a coherent
/// clip never does. A transition is a pair of consecutive frames; changes and jumps are counted only where both frames
/// show a shape (an empty frame is counted once, as such).
/// </summary>
public sealed class ShapeTrack
{
    internal ShapeTrack(IReadOnlyList<ShapeObservation> frames, double jumpThreshold, double maxForeground)
    {
        Frames = frames;
        var speeds = new List<double>();
        for (var t = 1; t < frames.Count; t++)
        {
            var (a, b) = (frames[t - 1], frames[t]);
            if (a.IsEmpty || b.IsEmpty)
            {
                continue;
            }
            ColorChanges += a.Color != b.Color ? 1 : 0;
            KindChanges += a.Kind != b.Kind ? 1 : 0;
            var distance = Math.Sqrt((b.X - a.X) * (b.X - a.X) + (b.Y - a.Y) * (b.Y - a.Y));
            Jumps += distance > jumpThreshold ? 1 : 0;
            speeds.Add(distance);
        }
        Speeds = speeds;
        EmptyFrames = frames.Count(f => f.IsEmpty);
        MultiBlobFrames = frames.Count(f => f.Blobs > 1);
        ClutteredFrames = frames.Count(f => f.Foreground > maxForeground);
        var seen = frames.Where(f => !f.IsEmpty).ToList();
        MajorityColor = seen.Count == 0 ? -1 : seen.GroupBy(f => f.Color).OrderByDescending(g => g.Count()).ThenBy(g => g.Key).First().Key;
        MajorityKind = seen.Count == 0 ? null : seen.GroupBy(f => f.Kind!.Value).OrderByDescending(g => g.Count()).ThenBy(g => g.Key).First().Key;
    }

    /// <summary>The observation of every frame, in order.</summary>
    public IReadOnlyList<ShapeObservation> Frames { get; }

    /// <summary>Frame-to-frame transitions, T - 1.</summary>
    public int Transitions => Math.Max(0, Frames.Count - 1);

    /// <summary>Transitions whose two frames show different palette colours.</summary>
    public int ColorChanges { get; }

    /// <summary>Transitions whose two frames show different kinds (square / circle).</summary>
    public int KindChanges { get; }

    /// <summary>Transitions whose centre moves more than <see cref="ShapeTrackOptions.JumpThreshold"/> pixels.</summary>
    public int Jumps { get; }

    /// <summary>Frames without a blob.</summary>
    public int EmptyFrames { get; }

    /// <summary>Frames with more than one blob.</summary>
    public int MultiBlobFrames { get; }

    /// <summary>Frames whose foreground covers more than <see cref="ShapeTrackOptions.MaxForegroundFraction"/> of the pixels (noise, not a shape).</summary>
    public int ClutteredFrames { get; }

    /// <summary>Centre distance in pixels of every transition whose two frames show a shape.</summary>
    public IReadOnlyList<double> Speeds { get; }

    /// <summary>The palette index seen in most frames (ties: the lower index); -1 when every frame is empty.</summary>
    public int MajorityColor { get; }

    /// <summary>The kind seen in most frames (ties: square); null when every frame is empty.</summary>
    public ShapeKind? MajorityKind { get; }
}
