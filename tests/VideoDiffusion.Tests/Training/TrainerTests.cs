using VideoDiffusion.Data;
using VideoDiffusion.Tests.Data;
using VideoDiffusion.Tests.TestSupport;
using VideoDiffusion.Training;

namespace VideoDiffusion.Tests.Training;

public sealed class TrainerTests
{
    [Fact]
    public void Train_StandInOnBouncingShapes_LossFallsAndProgressIsReported()
    {
        var reports = new List<TrainingProgress>();
        var options = TrainingSetup.Options() with { TotalSteps = 120, LearningRate = 1e-2, EmaDecay = null, LearningRateSchedule = LearningRateSchedule.WarmupCosine(10) };
        using var trainer = TrainingSetup.Trainer(new StandInPredictor(seed: 7), options);
        var result = trainer.Train(progress: new SyncProgress<TrainingProgress>(reports.Add));
        result.StepsRun.Should().Be(120);
        reports.Select(r => r.Step).Should().Equal(Enumerable.Range(1, 120).Select(i => (long)i));
        reports[0].LearningRate.Should().BeApproximately(1e-3, 1e-12); // warmup: (0 + 1) / 10
        reports[^1].LearningRate.Should().BeApproximately(0, 1e-12);
        reports.Should().OnlyContain(r => r.GradNorm > 0 && r.SamplesPerSecond > 0 && r.TotalSteps == 120);
        var first = result.Losses.Take(20).Average();
        var last = result.Losses.TakeLast(20).Average();
        last.Should().BeLessThan(0.6 * first, $"the loss should fall (first {first:F3}, last {last:F3})");
    }

    [Fact]
    public void Train_ClassDropoutAndImageBatches_ReachThePredictor()
    {
        var model = new StandInPredictor(seed: 1);
        var data = TrainingSetup.Data();
        using (var always = TrainingSetup.Trainer(model, TrainingSetup.Options() with { ClassDropout = 1.0, ImageBatchShare = 1.0 }, data))
        {
            always.Train(2);
            model.LastConditioning.Labels.Should().Equal(2L, 2L, 2L); // the null class is NumClasses = 2
            model.LastConditioning.IndependentFrames.Should().BeTrue();
        }
        using var never = TrainingSetup.Trainer(model, TrainingSetup.Options() with { ClassDropout = 0.0, ImageBatchShare = 0.0, PrefetchBatches = 0 }, data);
        never.Train(1);
        var loader = new VideoDataLoader(data, new VideoDataLoaderOptions { BatchSize = 3, Seed = 17 });
        using var batch = loader.Load(new LoaderPosition(0, 0));
        model.LastConditioning.Labels.Should().Equal(Tensors.ToDoubles(batch.Labels!).Select(v => (long)v));
        model.LastConditioning.IndependentFrames.Should().BeFalse();
        using var unlabelled = TrainingSetup.Trainer(model, TrainingSetup.Options() with { UseClassLabels = false }, data);
        unlabelled.Train(1);
        model.LastConditioning.Labels.Should().BeNull();
    }

    [Fact]
    public void Train_CancelledMidRun_StopsAtStepBoundaryAndContinues()
    {
        using var cts = new CancellationTokenSource();
        using var trainer = TrainingSetup.Trainer(new StandInPredictor(seed: 2), TrainingSetup.Options());
        var progress = new SyncProgress<TrainingProgress>(p =>
        {
            if (p.Step == 3)
            {
                cts.Cancel();
            }
        });
        FluentActions.Invoking(() => trainer.Train(progress: progress, cancellationToken: cts.Token)).Should().Throw<OperationCanceledException>();
        trainer.Step.Should().Be(3);
        trainer.DataPosition.Should().Be(new LoaderPosition(0, 3));
        trainer.Train(2).Step.Should().Be(5);
    }

    [Fact]
    public void Train_PreviewEvery_SeesAveragedWeightsThenTrainingWeightsReturn()
    {
        var model = new StandInPredictor(seed: 3);
        var previews = new List<long>();
        TrainerOptions options = null!;
        Trainer trainer = null!;
        options = TrainingSetup.Options() with
        {
            PreviewEvery = 3,
            EmaDecay = 0.5,
            Preview = p =>
            {
                previews.Add(p.Step);
                p.UsesEma.Should().BeTrue();
                p.ClipShape.Should().Equal(3, 4, 6, 6);
                p.NumClasses.Should().Be(2);
                ReferenceEquals(p.Predictor, model).Should().BeTrue();
                foreach (var (name, shadow) in trainer.Ema!.Shadows)
                {
                    Tensors.MaxAbsDiff(model.state_dict()[name], shadow).Should().Be(0, name);
                }
            },
        };
        trainer = TrainingSetup.Trainer(model, options);
        using (trainer)
        {
            trainer.Train(7);
            previews.Should().Equal(3, 6);
            // After training the live weights are the trained ones, not the average.
            trainer.Ema!.Shadows.Max(kv => Tensors.MaxAbsDiff(model.state_dict()[kv.Key], kv.Value)).Should().BeGreaterThan(0);
        }
    }

    [Fact]
    public void Train_Steps_LeakNoTensors()
    {
        using var trainer = TrainingSetup.Trainer(new StandInPredictor(seed: 4), TrainingSetup.Options() with { PrefetchBatches = 0 });
        trainer.Train(1);
        LiveTensors.Growth(() => trainer.Train(4)).Should().BeLessThanOrEqualTo(0);
    }

    [Fact]
    public void Train_BFloat16MasterWeights_TracksFloat32RunAndRestoresFloat32()
    {
        var options = TrainingSetup.Options() with { MixedPrecision = MixedPrecision.BFloat16, EmaDecay = 0.9 };
        var reference = new StandInPredictor(seed: 5);
        using (var fp32 = TrainingSetup.Trainer(reference, options))
        {
            fp32.Train(8); // on the CPU the option is a no-op
        }
        var model = new StandInPredictor(seed: 5);
        using var dir = TestFiles.Temp();
        using var mixed = new Trainer(model, TrainingSetup.Schedule, TrainingSetup.Data(), options with { RunDirectory = dir.Path }, SafeTensorsTensorFile.Instance, allowMixedPrecisionOnCpu: true);
        var result = mixed.Train(8);
        result.Losses.Should().OnlyContain(l => double.IsFinite(l));
        model.parameters().Should().OnlyContain(p => p.dtype == ScalarType.Float32);
        var before = TrainingSetup.Weights(new StandInPredictor(seed: 5));
        var after = TrainingSetup.Weights(model);
        var expected = TrainingSetup.Weights(reference);
        foreach (var (name, values) in after)
        {
            values.Zip(before[name]).Should().Contain(p => p.First != p.Second, $"{name} trained");
            // Adam moves every weight by about the learning rate per step whatever the gradient's size, so single weights
            // whose gradient is near zero may go either way in bfloat16: compare each tensor's update direction instead.
            var update = values.Zip(before[name], (a, b) => a - b).ToArray();
            var reference32 = expected[name].Zip(before[name], (a, b) => a - b).ToArray();
            var cosine = update.Zip(reference32, (a, b) => a * b).Sum() / Math.Sqrt(update.Sum(v => v * v) * reference32.Sum(v => v * v));
            cosine.Should().BeGreaterThan(0.85, $"{name} follows the float32 run");
        }
        var checkpoint = mixed.SaveCheckpoint();
        using var resumed = new Trainer(new StandInPredictor(seed: 6), TrainingSetup.Schedule, TrainingSetup.Data(), options with { RunDirectory = dir.Path }, SafeTensorsTensorFile.Instance, allowMixedPrecisionOnCpu: true);
        resumed.LoadCheckpoint(checkpoint);
        resumed.Predictor.Should().BeOfType<StandInPredictor>().Which.parameters().Should().OnlyContain(p => p.dtype == ScalarType.Float32);
    }

    [Fact]
    public void Constructor_InvalidSetup_Throws()
    {
        var model = new StandInPredictor();
        FluentActions.Invoking(() => TrainingSetup.Trainer(model, TrainingSetup.Options() with { BatchSize = 100 }))
            .Should().Throw<ArgumentException>().WithParameterName("dataset");
        FluentActions.Invoking(() => TrainingSetup.Trainer(model, TrainingSetup.Options() with { ClassDropout = 1.5 }))
            .Should().Throw<ArgumentOutOfRangeException>().WithParameterName("ClassDropout");
        var gray = new BouncingShapes(new BouncingShapesOptions { Count = 8, Frames = 2, Height = 4, Width = 4, Size = 2, Channels = 1 });
        using var wrongChannels = TrainingSetup.Trainer(model, TrainingSetup.Options(), gray);
        FluentActions.Invoking(() => wrongChannels.Train(1)).Should().Throw<ArgumentException>().WithMessage("*C = 3*[3, 1, 2, 4, 4]*");
        foreach (var p in model.parameters())
        {
            p.requires_grad = false;
        }
        FluentActions.Invoking(() => TrainingSetup.Trainer(model, TrainingSetup.Options())).Should().Throw<ArgumentException>().WithMessage("*no trainable parameters*");
    }

    [Fact]
    public void Train_NanOnChosenSteps_SkipsAndCountsThemAndWeightsStayFinite()
    {
        var poisoned = new HashSet<int> { 3, 4, 8 };
        var model = new NanPredictor(poisoned.Contains, seed: 8);
        var reports = new List<TrainingProgress>();
        using var trainer = new Trainer(model, TrainingSetup.Schedule, TrainingSetup.Data(), TrainingSetup.Options());
        var before = TrainingSetup.Weights(model);
        var result = trainer.Train(10, new SyncProgress<TrainingProgress>(reports.Add));
        result.SkippedSteps.Should().Be(3);
        trainer.SkippedSteps.Should().Be(3);
        reports.Where(r => double.IsNaN(r.Loss)).Select(r => r.Step).Should().Equal(3L, 4L, 8L);
        reports.Select(r => r.SkippedSteps).Should().Equal(0L, 0L, 1L, 2L, 2L, 2L, 2L, 3L, 3L, 3L);
        model.parameters().Should().OnlyContain(p => p.isfinite().all().item<bool>());
        trainer.Ema!.Shadows.Values.Should().OnlyContain(s => s.isfinite().all().item<bool>());
        TrainingSetup.Weights(model).Should().NotBeEquivalentTo(before);
    }

    [Fact]
    public void Train_TooManyConsecutiveNonFiniteSteps_StopsWithClearErrorAndFiniteWeights()
    {
        var model = new NanPredictor(call => call >= 5, seed: 9);
        using var trainer = new Trainer(model, TrainingSetup.Schedule, TrainingSetup.Data(), TrainingSetup.Options() with { MaxConsecutiveNonFiniteSteps = 3 });
        FluentActions.Invoking(() => trainer.Train(20)).Should().Throw<InvalidOperationException>()
            .WithMessage("*diverged*3 consecutive steps*non-finite loss*step 7*");
        trainer.Step.Should().Be(7);
        trainer.SkippedSteps.Should().Be(3);
        model.parameters().Should().OnlyContain(p => p.isfinite().all().item<bool>());
    }

    [Fact]
    public void Constructor_ThrowsAfterBuildingOptimizerAndEma_LeaksNoTensors()
    {
        var model = new StandInPredictor(seed: 1);
        var growth = LiveTensors.Growth(() =>
            FluentActions.Invoking(() => TrainingSetup.Trainer(model, TrainingSetup.Options() with { BatchSize = 100 }))
                .Should().Throw<ArgumentException>().WithParameterName("dataset"));
        growth.Should().Be(0);
    }

    [Fact]
    public void Train_DatasetOfThreeDimensionalClips_ThrowsNamingDatasetExpectedAndActualShape()
    {
        using var trainer = TrainingSetup.Trainer(new StandInPredictor(seed: 1), TrainingSetup.Options() with { PrefetchBatches = 0 }, new FlatClips());
        FluentActions.Invoking(() => trainer.Train(1)).Should().Throw<ArgumentException>().WithParameterName("dataset")
            .WithMessage("*[C, T, H, W]*[3, 6, 6]*FlatClips(8 images 3x6x6)*");
        trainer.Step.Should().Be(0);
    }

    /// <summary>A dataset that wrongly returns images <c>[C, H, W]</c> instead of clips.</summary>
    private sealed class FlatClips : IVideoDataset
    {
        public int Count => 8;

        public int NumClasses => 0;

        public string Description => "FlatClips(8 images 3x6x6)";

        public VideoExample Get(int index) => new(full([3, 6, 6], index / 8.0f));
    }
}
