using System.Diagnostics;
using VideoDiffusion.Data;
using VideoDiffusion.Predictors;
using VideoDiffusion.Schedules;
using VideoDiffusion.Tests.Data;
using VideoDiffusion.Tests.Predictors;
using VideoDiffusion.Tests.TestSupport;
using VideoDiffusion.Training;

namespace VideoDiffusion.Tests.Training;

/// <summary>The trainer with the real Tiny SpaceTimeUNet on BouncingShapes (one square, 8 frames, 16 x 16).</summary>
public sealed class SpaceTimeUNetTrainingEndToEndTests
{
    private static readonly INoiseSchedule Schedule = DiscreteNoiseSchedule.Linear();

    private static BouncingShapes OneSquare() => new(new BouncingShapesOptions
    {
        Count = 64, Frames = 8, Height = 16, Width = 16, Size = 5, MinSpeed = 1, MaxSpeed = 2, Kinds = [ShapeKind.Square], Seed = 1,
    });

    private static SpaceTimeUNet Tiny(long seed) =>
        new(KnownSpaceTimeUNets.Tiny with { NumClasses = 1 }, new Generator((ulong)seed, CPU));

    /// <summary>
    /// A Tiny network as if trained: the zero-initialised layers (conv_out, temporal convolutions, temporal attention
    /// outputs and position biases) get small random weights, otherwise a frozen zero conv_out would block every gradient.
    /// </summary>
    private static SpaceTimeUNet Pretrained(long seed)
    {
        var model = Tiny(seed);
        UNetTestSupport.Randomize(model, UNetTestSupport.IsZeroInitialized, seed + 100, std: 0.02);
        return model;
    }

    private static TrainerOptions Options(string? runDirectory) => new()
    {
        TotalSteps = 300,
        BatchSize = 2,
        LearningRate = 2e-3,
        LearningRateSchedule = LearningRateSchedule.WarmupCosine(20, 0.1),
        EmaDecay = 0.99,
        RunDirectory = runDirectory,
        LogEvery = 10,
        CheckpointEvery = 0,
        Seed = 11,
    };

    [Fact]
    public void Train_Tiny300Steps_LossFallsToAThirdAndRunDirectoryHasMetricsAndCheckpoint()
    {
        using var dir = TestFiles.Temp();
        using var model = Tiny(seed: 0);
        using var trainer = new Trainer(model, Schedule, OneSquare(), Options(dir.Path));
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var result = trainer.Train();
        cpu = Process.GetCurrentProcess().TotalProcessorTime - cpu;
        var first = result.Losses.Take(30).Average();
        var last = result.Losses.TakeLast(30).Average();
        last.Should().BeLessThanOrEqualTo(first / 3, $"mean loss of the last 30 steps ({last:F4}) must be at most a third of the first 30 ({first:F4})");
        result.SkippedSteps.Should().Be(0);
        File.ReadAllLines(Path.Combine(dir.Path, "metrics.jsonl")).Should().HaveCount(30);
        result.LastCheckpoint.Should().NotBeNull().And.EndWith("step-00000300");
        Directory.GetFiles(result.LastCheckpoint!).Select(Path.GetFileName).Should().BeEquivalentTo(["checkpoint.json", "model.safetensors", "ema.safetensors", "optimizer.safetensors"]);
        // The averaged weights load into a fresh network for sampling.
        using var sampler = Tiny(seed: 5);
        TrainingCheckpoint.LoadWeights(result.LastCheckpoint!, sampler, ema: true).Should().BeTrue();
        foreach (var (name, shadow) in trainer.Ema!.Shadows)
        {
            Tensors.MaxAbsDiff(sampler.state_dict()[name], shadow).Should().Be(0, name);
        }
        TrainingCheckpoint.StepOf(result.LastCheckpoint!).Should().Be(300);
        TrainingCheckpoint.FindLatest(dir.Path).Should().Be(result.LastCheckpoint);
        File.AppendAllText(Path.Combine(Path.GetTempPath(), "vd-e2e-losses.txt"),
            $"first30 {first:F4} last30 {last:F4} wall {result.Elapsed.TotalSeconds:F1}s cpu {cpu.TotalSeconds:F1}s\n");
    }

    [Fact]
    public void LoadCheckpoint_Tiny20PlusSaveLoadPlus20_BitwiseEqualToForty()
    {
        using var dir = TestFiles.Temp();
        var options = Options(null) with
        {
            TotalSteps = 40,
            BatchSize = 1,
            GradientAccumulationSteps = 2,
            MaxGradNorm = 0.5,
            ClassDropout = 0.3,
            ImageBatchShare = 0.3,
            Augmentation = new RandomHorizontalFlip(),
            CheckpointAtEnd = false,
        };
        var data = OneSquare();
        using var straight = Tiny(seed: 0);
        using (var trainer = new Trainer(straight, Schedule, data, options))
        {
            trainer.Train();
        }
        string checkpoint;
        using (var first = Tiny(seed: 0))
        using (var half = new Trainer(first, Schedule, data, options with { RunDirectory = dir.Path }))
        {
            half.Train(20);
            checkpoint = half.SaveCheckpoint();
        }
        using var resumed = Tiny(seed: 7);
        using var second = new Trainer(resumed, Schedule, OneSquare(), options with { RunDirectory = dir.Path });
        second.LoadCheckpoint(checkpoint);
        second.Train();
        second.Step.Should().Be(40);
        TrainingSetup.ShouldBeBitwiseEqual(TrainingSetup.Bits(resumed.state_dict()), TrainingSetup.Bits(straight.state_dict()));
    }

    [Fact]
    public void FreezeAllExceptTemporal_Tiny_SpatialBitwiseUnchangedTemporalChanged()
    {
        using var model = Pretrained(seed: 1);
        var trainable = FineTuning.FreezeAllExceptTemporal(model);
        trainable.Should().OnlyContain(n => SpaceTimeUNet.IsTemporal(n)).And.HaveCount(model.state_dict().Keys.Count(SpaceTimeUNet.IsTemporal));
        var before = TrainingSetup.Bits(model.state_dict());
        using var trainer = new Trainer(model, Schedule, OneSquare(), Options(null) with { TotalSteps = 4, BatchSize = 1 });
        trainer.Train();
        var after = TrainingSetup.Bits(model.state_dict());
        foreach (var (name, bits) in before)
        {
            if (SpaceTimeUNet.IsTemporal(name))
            {
                after[name].Should().NotEqual(bits, $"{name} is trained");
            }
            else
            {
                after[name].Should().Equal(bits, $"{name} is frozen");
            }
        }
    }

    [Fact]
    public void LoraAdapters_Tiny_OnlyAdaptersChangeAndMergeMatchesAdaptedOutputs()
    {
        using var model = Pretrained(seed: 2);
        var before = TrainingSetup.Bits(model.state_dict());
        using var lora = LoraAdapters.Attach(model, new LoraOptions { Rank = 2, Alpha = 2, Seed = 3 });
        lora.TargetPaths.Should().NotBeEmpty().And.OnlyContain(p => p.EndsWith(".to_q") || p.EndsWith(".to_k") || p.EndsWith(".to_v") || p.EndsWith(".to_out"));
        using (var trainer = new Trainer(model, Schedule, OneSquare(), Options(null) with { TotalSteps = 4, BatchSize = 1, LearningRate = 1e-2 }))
        {
            trainer.TrainableParameterNames.Should().OnlyContain(n => n.Contains(".lora_A.") || n.Contains(".lora_B."));
            trainer.Train();
        }
        var after = TrainingSetup.Bits(model.state_dict());
        foreach (var (name, bits) in before)
        {
            after[name].Should().Equal(bits, $"{name} belongs to the frozen base");
        }
        var adapters = after.Keys.Where(k => !before.ContainsKey(k)).ToList();
        adapters.Should().HaveCount(2 * lora.TargetPaths.Count);
        adapters.Where(k => k.Contains(".lora_B.")).Should().OnlyContain(k => after[k].Any(b => b != 0), "every B is trained away from zero");

        using var g = Tensors.Seeded(9);
        using var x = randn([2, 3, 8, 16, 16], generator: g);
        using var t = tensor(new float[] { 50, 600 });
        using var labels = tensor(new long[] { 0, 1 });
        var conditioning = new Conditioning { ClassLabels = labels };
        model.eval();
        using var _ = no_grad();
        using var adapted = model.Predict(x, t, conditioning);
        lora.Merge();
        model.state_dict().Keys.Should().NotContain(k => k.Contains("lora"));
        using var merged = model.Predict(x, t, conditioning);
        Tensors.MaxAbsDiff(merged, adapted).Should().BeLessThan(1e-5).And.BeGreaterThanOrEqualTo(0);
        using var baseline = Pretrained(seed: 2);
        baseline.eval();
        using var unadapted = baseline.Predict(x, t, conditioning);
        Tensors.MaxAbsDiff(merged, unadapted).Should().BeGreaterThan(1e-3, "the merged adapters change the network");
    }
}
