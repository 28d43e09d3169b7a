using VideoDiffusion.Data;
using VideoDiffusion.Schedules;
using VideoDiffusion.Training;

namespace VideoDiffusion.Tests.Training;

/// <summary>Small, fast training runs for the trainer tests.</summary>
internal static class TrainingSetup
{
    public static INoiseSchedule Schedule { get; } = DiscreteNoiseSchedule.Linear(trainSteps: 100);

    public static BouncingShapes Data(int count = 24) => new(new BouncingShapesOptions
    {
        Count = count, Frames = 4, Height = 6, Width = 6, Size = 2, MinSpeed = 0.5, MaxSpeed = 1.0, Seed = 3,
    });

    public static TrainerOptions Options(string? runDirectory = null) => new()
    {
        TotalSteps = 40,
        BatchSize = 3,
        LearningRate = 3e-3,
        EmaDecay = 0.95,
        RunDirectory = runDirectory,
        LogEvery = 1,
        CheckpointEvery = 0,
        CheckpointAtEnd = false,
        PrefetchBatches = 1,
        Seed = 17,
    };

    public static Trainer Trainer(StandInPredictor model, TrainerOptions options, IVideoDataset? data = null) =>
        new(model, Schedule, data ?? Data(), options);

    /// <summary>Every state-dict entry as doubles, by name.</summary>
    public static Dictionary<string, double[]> Weights(nn.Module module) =>
        module.state_dict().ToDictionary(kv => kv.Key, kv => TestSupport.Tensors.ToDoubles(kv.Value));

    /// <summary>Every state-dict entry as raw float32 bit patterns, for bitwise comparison.</summary>
    public static Dictionary<string, int[]> Bits(IEnumerable<KeyValuePair<string, Tensor>> state) =>
        state.ToDictionary(kv => kv.Key, kv =>
        {
            using var host = kv.Value.detach().cpu().contiguous();
            return host.data<float>().ToArray().Select(BitConverter.SingleToInt32Bits).ToArray();
        });

    public static void ShouldBeBitwiseEqual(Dictionary<string, int[]> actual, Dictionary<string, int[]> expected)
    {
        actual.Keys.Should().BeEquivalentTo(expected.Keys);
        foreach (var (name, bits) in expected)
        {
            actual[name].Should().Equal(bits, $"'{name}' must be bitwise identical");
        }
    }
}
