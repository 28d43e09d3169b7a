using System.Text.Json.Nodes;
using VideoDiffusion.Data;
using VideoDiffusion.Tests.Data;
using VideoDiffusion.Training;

namespace VideoDiffusion.Tests.Training;

/// <summary>
/// A checkpoint whose manifest (which no hash covers) holds an impossible value must fail to load with an error naming
/// the field, before any state of the trainer changes.
/// </summary>
public sealed class CheckpointValidationTests
{
    public static TheoryData<string> BadGeneratorStates() => new()
    {
        "AAAA", // three bytes: libtorch's set_state aborted the process on it
        "AA==", // one byte
        Bytes(4000), // shorter than a CPU generator state
        Bytes(6000), // longer
    };

    [Theory]
    [MemberData(nameof(BadGeneratorStates))]
    public void LoadCheckpoint_GeneratorStateOfWrongLength_ThrowsNamingFieldAndChangesNothing(string state)
    {
        foreach (var field in new[] { "GeneratorState", "GlobalGeneratorState" })
        {
            var length = Convert.FromBase64String(state).Length;
            LoadShouldFailAndChangeNothing(json => json[field] = state, $"*{field}*5056 bytes*{length}*");
        }
    }

    [Theory]
    [InlineData(8, 0, "left")] // mt19937 'left' must be in [1, 624]
    [InlineData(8, 625, "left")]
    [InlineData(12, 0, "seeded")] // an unseeded engine
    [InlineData(16, 625, "next")] // 'next' must be <= 624
    public void LoadCheckpoint_GeneratorStateWithInvalidEngine_ThrowsNamingFieldAndChangesNothing(int offset, int value, string part)
    {
        LoadShouldFailAndChangeNothing(json =>
        {
            var bytes = Convert.FromBase64String(json["GeneratorState"]!.GetValue<string>());
            BitConverter.TryWriteBytes(bytes.AsSpan(offset), value).Should().BeTrue();
            json["GeneratorState"] = Convert.ToBase64String(bytes);
        }, $"*GeneratorState*{part}*{value}*");
    }

    [Theory]
    [InlineData("Step", "-1", "*Step*>= 0*-1*")]
    [InlineData("SkippedSteps", "-1", "*SkippedSteps*[0, 2]*-1*")]
    [InlineData("SkippedSteps", "3", "*SkippedSteps*[0, 2]*3*")]
    [InlineData("ConsecutiveNonFinite", "-1", "*ConsecutiveNonFinite*[0, 0]*-1*")]
    [InlineData("EmaUpdates", "-1", "*EmaUpdates*[0, 2]*-1*")]
    [InlineData("EmaUpdates", "1000", "*EmaUpdates*[0, 2]*1000*")]
    [InlineData("LossScale", "-1", "*LossScale*power of two*-1*")]
    [InlineData("LossScale", "0", "*LossScale*power of two*0*")]
    [InlineData("LossScale", "3", "*LossScale*power of two*3*")]
    [InlineData("LossScaleCleanSteps", "-5", "*LossScaleCleanSteps*[0, 1999]*-5*")]
    [InlineData("LoaderEpoch", "-1", "*LoaderEpoch*-1*")]
    [InlineData("LoaderBatch", "-1", "*LoaderBatch*[0, 8)*-1*")]
    [InlineData("LoaderBatch", "8", "*LoaderBatch*[0, 8)*8*")]
    [InlineData("GeneratorState", "null", "*GeneratorState*")]
    [InlineData("GeneratorState", "\"not base64!\"", "*GeneratorState*")]
    public void LoadCheckpoint_ManifestFieldOutOfRange_ThrowsNamingFieldExpectedAndActual(string field, string json, string message)
    {
        LoadShouldFailAndChangeNothing(manifest => manifest[field] = JsonNode.Parse(json), message);
    }

    [Fact]
    public void LoadCheckpoint_IntactAfterRejectedOnes_StillLoads()
    {
        using var dir = TestFiles.Temp();
        using var trainer = TrainingSetup.Trainer(new StandInPredictor(seed: 2), TrainingSetup.Options(dir.Path));
        trainer.Train(2);
        var checkpoint = trainer.SaveCheckpoint();
        trainer.Train(2);
        trainer.LoadCheckpoint(checkpoint);
        trainer.Step.Should().Be(2);
        trainer.DataPosition.Should().Be(new LoaderPosition(0, 2));
    }

    /// <summary>
    /// Trains 2 steps (24 clips, batch 3: 8 batches per epoch), saves, trains 2 more, edits the saved manifest and loads it:
    /// the load must throw <see cref="InvalidDataException"/> matching <paramref name="message"/>, and a checkpoint written
    /// afterwards must be byte for byte the one written before the load (weights, optimizer, EMA, counters, generators).
    /// </summary>
    private static void LoadShouldFailAndChangeNothing(Action<JsonObject> corrupt, string message)
    {
        using var dir = TestFiles.Temp();
        var model = new StandInPredictor(seed: 2);
        using var trainer = TrainingSetup.Trainer(model, TrainingSetup.Options(dir.Path));
        trainer.Train(2);
        var checkpoint = trainer.SaveCheckpoint();
        trainer.Train(2);
        var before = Snapshot(trainer.SaveCheckpoint());
        var weights = TrainingSetup.Bits(model.state_dict());
        var ema = TrainingSetup.Bits(trainer.Ema!.Shadows);

        var path = Path.Combine(checkpoint, "checkpoint.json");
        var manifest = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        corrupt(manifest);
        File.WriteAllText(path, manifest.ToJsonString());

        FluentActions.Invoking(() => trainer.LoadCheckpoint(checkpoint)).Should().Throw<InvalidDataException>()
            .WithMessage(message).WithMessage("*checkpoint.json*");
        trainer.Step.Should().Be(4);
        trainer.SkippedSteps.Should().Be(0);
        trainer.DataPosition.Should().Be(new LoaderPosition(0, 4));
        TrainingSetup.ShouldBeBitwiseEqual(TrainingSetup.Bits(model.state_dict()), weights);
        TrainingSetup.ShouldBeBitwiseEqual(TrainingSetup.Bits(trainer.Ema!.Shadows), ema);
        // Re-saving step 4 covers the optimizer state and the generators too.
        Snapshot(trainer.SaveCheckpoint()).Should().BeEquivalentTo(before);
    }

    private static Dictionary<string, byte[]> Snapshot(string checkpoint) =>
        Directory.GetFiles(checkpoint).ToDictionary(f => Path.GetFileName(f)!, File.ReadAllBytes);

    /// <summary>Valid base64 of <paramref name="count"/> bytes (0x5A).</summary>
    private static string Bytes(int count) => Convert.ToBase64String(Enumerable.Repeat((byte)0x5A, count).ToArray());
}
