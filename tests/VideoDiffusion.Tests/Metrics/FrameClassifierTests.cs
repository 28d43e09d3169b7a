using FluentAssertions;
using VideoDiffusion.Data;
using VideoDiffusion.Metrics;
using VideoDiffusion.Tests.TestSupport;
using static TorchSharp.torch;

namespace VideoDiffusion.Tests.Metrics;

/// <summary>One classifier for the whole class: training it takes seconds.</summary>
public sealed class TrainedShapeClassifier : IDisposable
{
    public static BouncingShapesOptions Shapes(long seed, int count) => new()
    {
        Count = count, Frames = 16, Height = 32, Width = 32, Size = 9, MinSpeed = 1.5, MaxSpeed = 3.0,
        Kinds = [ShapeKind.Square, ShapeKind.Circle],
        Colors = [new(230, 40, 40), new(40, 200, 60), new(50, 90, 240), new(240, 220, 40)],
        Label = BouncingShapesLabel.ShapeKind, Seed = seed,
    };

    public FrameClassifier Classifier { get; } = FrameClassifier.Train(new BouncingShapes(Shapes(100, 2048)));

    public void Dispose() => Classifier.Dispose();
}

public sealed class FrameClassifierTests(TrainedShapeClassifier trained) : IClassFixture<TrainedShapeClassifier>
{
    private static (Tensor Videos, long[] Labels) Real(BouncingShapesOptions options)
    {
        var data = new BouncingShapes(options);
        using var scope = NewDisposeScope();
        var examples = Enumerable.Range(0, options.Count).Select(data.Get).ToArray();
        return (stack(examples.Select(e => e.Clip).ToArray()).MoveToOuterDisposeScope(), examples.Select(e => e.Label!.Value).ToArray());
    }

    [Fact]
    public void Train_BouncingShapes_ClassifiesHeldOutAndFreshClips()
    {
        trained.Classifier.ValidationAccuracy.Should().BeGreaterThan(0.98);
        var (videos, labels) = Real(TrainedShapeClassifier.Shapes(200, 64));
        using var _ = videos;

        var result = trained.Classifier.Evaluate(videos, labels);

        result.ClassAccuracy.Should().BeGreaterThan(0.98);
        result.LabelKept.Should().BeGreaterThan(0.98);
        result.MajorityLabels.Should().Equal(labels);
    }

    [Fact]
    public void Evaluate_ClipsWhoseKindSwitchesHalfway_KeepTheLabelInHalfTheFrames()
    {
        // Same seed, one kind each: identical clips but for the kind.
        var (squares, _) = Real(TrainedShapeClassifier.Shapes(300, 32) with { Kinds = [ShapeKind.Square] });
        var (circles, _) = Real(TrainedShapeClassifier.Shapes(300, 32) with { Kinds = [ShapeKind.Circle] });
        using var a = squares;
        using var b = circles;
        using var spliced = cat([a[.., .., ..8], b[.., .., 8..]], 2);

        var result = trained.Classifier.Evaluate(spliced);

        result.LabelKept.Should().BeInRange(0.45, 0.56);
        result.ClassAccuracy.Should().Be(double.NaN);
    }

    [Fact]
    public void FrechetDistance_OfFeatures_IsSmallBetweenRealSetsAndLargeForCorruptedClips()
    {
        var (first, _) = Real(TrainedShapeClassifier.Shapes(400, 256));
        var (second, _) = Real(TrainedShapeClassifier.Shapes(500, 256));
        using var a = first;
        using var b = second;
        // Every clip's kind flips at every frame: frame statistics stay those of real frames, clip statistics do not.
        using var flipped = b.clone();
        var (squares, _) = Real(TrainedShapeClassifier.Shapes(500, 256) with { Kinds = [ShapeKind.Square] });
        var (circles, _) = Real(TrainedShapeClassifier.Shapes(500, 256) with { Kinds = [ShapeKind.Circle] });
        using (squares)
        using (circles)
        {
            for (var t = 0; t < 16; t++)
            {
                flipped[.., .., t].copy_((t % 2 == 0 ? squares : circles)[.., .., t]);
            }
        }
        using var fa = trained.Classifier.Extract(a);
        using var fb = trained.Classifier.Extract(b);
        using var ff = trained.Classifier.Extract(flipped);

        var real = FrechetDistance.Compute(fa, fb);
        var corrupted = FrechetDistance.Compute(fa, ff);

        fa.shape.Should().Equal(256, trained.Classifier.FeatureSize);
        corrupted.Should().BeGreaterThan(10 * real, $"real vs real is {real}");
    }

    [Fact]
    public void Train_SameSeed_GivesBitwiseEqualFeatures()
    {
        var options = new FrameClassifierOptions { Steps = 20, ValidationClips = 8 };
        var data = new BouncingShapes(TrainedShapeClassifier.Shapes(600, 64));
        using var first = FrameClassifier.Train(data, options);
        using var second = FrameClassifier.Train(data, options);
        var (videos, _) = Real(TrainedShapeClassifier.Shapes(700, 4));
        using var _v = videos;

        using var f1 = first.FrameFeatures(videos);
        using var f2 = second.FrameFeatures(videos);

        f1.shape.Should().Equal(4, 16, first.FrameFeatureSize);
        using var diff = (f1 - f2).abs().max();
        diff.item<float>().Should().Be(0f);
    }

    [Fact]
    public void Extract_ManyBatches_LeaksNoTensor()
    {
        var (videos, _) = Real(TrainedShapeClassifier.Shapes(800, 2));
        using var _v = videos;

        var growth = LiveTensors.Growth(() =>
        {
            for (var i = 0; i < 20; i++)
            {
                trained.Classifier.Extract(videos).Dispose();
                trained.Classifier.FrameFeatures(videos).Dispose();
                trained.Classifier.PredictFrames(videos).Dispose();
                trained.Classifier.Evaluate(videos, [0, 1]);
            }
        });

        growth.Should().Be(0);
    }

    [Fact]
    public void BadInput_ThrowsNamingTheProblem()
    {
        using var grey = zeros([2, 1, 4, 32, 32]);
        using var rgb = zeros([2, 3, 4, 32, 32]);
        var unlabelled = new BouncingShapes(TrainedShapeClassifier.Shapes(0, 100) with { Label = BouncingShapesLabel.None });

        FluentActions.Invoking(() => trained.Classifier.Extract(grey)).Should().Throw<ArgumentException>().WithMessage("*3 channels*[2, 1, 4, 32, 32]*");
        FluentActions.Invoking(() => trained.Classifier.Evaluate(rgb, [0])).Should().Throw<ArgumentException>().WithMessage("*2 requested labels*got 1*");
        FluentActions.Invoking(() => FrameClassifier.Train(unlabelled)).Should().Throw<ArgumentException>().WithMessage("*NumClasses = 0*");
        FluentActions.Invoking(() => FrameClassifier.Train(new BouncingShapes(TrainedShapeClassifier.Shapes(0, 10))))
            .Should().Throw<ArgumentException>().WithMessage("*ValidationClips = 64*got 10*");
    }
}
