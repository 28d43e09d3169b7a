using System.Globalization;
using MathNet.Numerics.Statistics;

namespace VideoDiffusion.Metrics;

/// <summary>The object tracks of a batch of clips (<see cref="ShapeTracks"/>) and their totals.</summary>
public sealed class ShapeTrackReport
{
    /// <summary>Collects the tracks of a batch.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="clips"/> is null.</exception>
    public ShapeTrackReport(IReadOnlyList<ShapeTrack> clips)
    {
        ArgumentNullException.ThrowIfNull(clips);
        Clips = clips;
    }

    /// <summary>One track per clip.</summary>
    public IReadOnlyList<ShapeTrack> Clips { get; }

    /// <summary>Frames over all clips.</summary>
    public int Frames => Clips.Sum(c => c.Frames.Count);

    /// <summary>Transitions over all clips.</summary>
    public int Transitions => Clips.Sum(c => c.Transitions);

    /// <summary>Colour changes over all clips.</summary>
    public int ColorChanges => Clips.Sum(c => c.ColorChanges);

    /// <summary>Kind changes over all clips.</summary>
    public int KindChanges => Clips.Sum(c => c.KindChanges);

    /// <summary>Jumps over all clips.</summary>
    public int Jumps => Clips.Sum(c => c.Jumps);

    /// <summary>Empty frames over all clips.</summary>
    public int EmptyFrames => Clips.Sum(c => c.EmptyFrames);

    /// <summary>Frames with more than one blob over all clips.</summary>
    public int MultiBlobFrames => Clips.Sum(c => c.MultiBlobFrames);

    /// <summary>Cluttered frames (foreground over <see cref="ShapeTrackOptions.MaxForegroundFraction"/>) over all clips.</summary>
    public int ClutteredFrames => Clips.Sum(c => c.ClutteredFrames);

    /// <summary>Colour changes as a fraction of all transitions (0 when there are none).</summary>
    public double ColorChangeRate => Rate(ColorChanges, Transitions);

    /// <summary>Kind changes as a fraction of all transitions.</summary>
    public double KindChangeRate => Rate(KindChanges, Transitions);

    /// <summary>Jumps as a fraction of all transitions.</summary>
    public double JumpRate => Rate(Jumps, Transitions);

    /// <summary>Mean centre speed in pixels per frame over every transition that shows a shape twice; NaN when none does.</summary>
    public double MeanSpeed => Clips.SelectMany(c => c.Speeds).DefaultIfEmpty(double.NaN).Average();

    /// <summary>Median centre speed in pixels per frame; NaN when no transition shows a shape twice.</summary>
    public double MedianSpeed
    {
        get
        {
            var speeds = Clips.SelectMany(c => c.Speeds).ToArray();
            return speeds.Length == 0 ? double.NaN : speeds.Median();
        }
    }

    /// <summary>One line: every count with its share of transitions (or frames), and the speeds.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{Clips.Count} clips, {Transitions} transitions: colour changes {ColorChanges} ({ColorChangeRate:P1}), " +
        $"kind changes {KindChanges} ({KindChangeRate:P1}), jumps {Jumps} ({JumpRate:P1}), " +
        $"empty frames {EmptyFrames}, multi-blob frames {MultiBlobFrames} ({Rate(MultiBlobFrames, Frames):P1} of frames), " +
        $"cluttered frames {ClutteredFrames} ({Rate(ClutteredFrames, Frames):P1}), " +
        $"speed mean {MeanSpeed:F2} / median {MedianSpeed:F2} px/frame");

    private static double Rate(int count, int total) => total == 0 ? 0.0 : (double)count / total;
}
