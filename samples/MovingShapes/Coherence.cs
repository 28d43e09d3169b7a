using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using VideoDiffusion.Data;
using VideoDiffusion.Metrics;
using static TorchSharp.torch;

/// <summary>
/// The coherence numbers of docs/quality.md for a batch of generated BouncingShapes clips: object tracks (colour and kind
/// changes, jumps, empty frames), the frame classifier's label consistency and class accuracy, Frechet distances of
/// classifier features to real clips, and the motion statistic, next to the same numbers for real clips.
/// </summary>
internal sealed record CoherenceReport(
    int Clips,
    double JumpThreshold,
    int Transitions,
    double ColorChangeRate,
    double KindChangeRate,
    double JumpRate,
    int EmptyFrames,
    int MultiBlobFrames,
    int ClutteredFrames,
    double MeanSpeed,
    double RealMeanSpeed,
    double LabelKept,
    double ClassAccuracy,
    double FrechetFrames,
    double FrechetClips,
    double Motion,
    double RealMotion,
    double ClassifierValidationAccuracy,
    double ClassifierSeconds)
{
    /// <summary>Real clips the Frechet distances compare against (more than the generated ones, for stable statistics).</summary>
    private const int ReferenceClips = 512;

    /// <summary>Seeds of the classifier's training clips and of the reference clips: disjoint from the training data (seed 0...).</summary>
    private const long ClassifierDataSeed = 7_000_001, ReferenceDataSeed = 7_000_002;

    public static CoherenceReport Measure(Tensor videos, IReadOnlyList<long> requestedLabels, BouncingShapesOptions data)
    {
        var (height, frames) = ((int)videos.shape[3], (int)videos.shape[2]);
        var trackOptions = ShapeTrackOptions.For(data) with { JumpThreshold = 6.0 * height / MovingShapesSetup.DefaultSize };
        var tracks = ShapeTracks.Analyze(videos, trackOptions);

        var watch = Stopwatch.StartNew();
        using var classifier = FrameClassifier.Train(new BouncingShapes(data with { Count = 4096, Seed = ClassifierDataSeed }));
        var classifierSeconds = watch.Elapsed.TotalSeconds;
        var labels = classifier.Evaluate(videos, requestedLabels);

        using var real = RealClips(data with { Seed = ReferenceDataSeed }, ReferenceClips);
        var realTracks = ShapeTracks.Analyze(real, trackOptions);
        using var scope = NewDisposeScope();
        var generatedFrames = classifier.FrameFeatures(videos).flatten(0, 1);
        var realFrames = classifier.FrameFeatures(real).flatten(0, 1);
        var frechetFrames = FrechetDistance.Compute(generatedFrames, realFrames);
        var frechetClips = FrechetDistance.Compute(classifier.Extract(videos), classifier.Extract(real));
        var motion = TemporalConsistency.MeanAbsoluteFrameDifference(videos).Average();
        var realMotion = TemporalConsistency.MeanAbsoluteFrameDifference(real).Average();

        return new CoherenceReport(
            tracks.Clips.Count, trackOptions.JumpThreshold, tracks.Transitions, tracks.ColorChangeRate, tracks.KindChangeRate, tracks.JumpRate,
            tracks.EmptyFrames, tracks.MultiBlobFrames, tracks.ClutteredFrames, tracks.MeanSpeed, realTracks.MeanSpeed,
            labels.LabelKept, labels.ClassAccuracy, frechetFrames, frechetClips, motion, realMotion,
            classifier.ValidationAccuracy, classifierSeconds);
    }

    public void Print()
    {
        var p = CultureInfo.InvariantCulture;
        Console.WriteLine($"Coherence of {Clips} clips ({Transitions} frame transitions; docs/quality.md explains each number):");
        Console.WriteLine(string.Create(p, $"  colour changes {ColorChangeRate:P2}, kind changes {KindChangeRate:P2}, jumps > {JumpThreshold:0.#} px {JumpRate:P2} of transitions; empty frames {EmptyFrames}, frames with 2+ blobs {MultiBlobFrames}, cluttered frames {ClutteredFrames}"));
        Console.WriteLine(string.Create(p, $"  class accuracy {ClassAccuracy:P1}, label kept across frames {LabelKept:P1} (frame classifier: {ClassifierValidationAccuracy:P1} on held-out real frames, trained in {ClassifierSeconds:F1} s)"));
        Console.WriteLine(string.Create(p, $"  Frechet distance to {ReferenceClips} real clips on the frame classifier's features: frames {FrechetFrames:F3}, clips {FrechetClips:F3}"));
        Console.WriteLine(string.Create(p, $"  motion (mean absolute frame difference) {Motion:F4} vs real {RealMotion:F4} ({Motion / RealMotion - 1:+0.0%;-0.0%}); speed {MeanSpeed:F2} vs real {RealMeanSpeed:F2} px/frame"));
    }

    public void Save(string path)
    {
        var temp = path + ".tmp";
        File.WriteAllText(temp, JsonSerializer.Serialize(this, new JsonSerializerOptions { WriteIndented = true }));
        File.Move(temp, path, overwrite: true);
    }

    private static Tensor RealClips(BouncingShapesOptions data, int count)
    {
        var dataset = new BouncingShapes(data with { Count = count });
        using var scope = NewDisposeScope();
        return stack(Enumerable.Range(0, count).Select(i => dataset.Get(i).Clip).ToArray()).MoveToOuterDisposeScope();
    }
}
