using VideoDiffusion.Tests.Data;
using VideoDiffusion.Training;

namespace VideoDiffusion.Tests.Training;

public sealed class CheckpointTests
{
    [Fact]
    public void LoadCheckpoint_TruncatedAtAnyByte_ThrowsInvalidDataNamingFile()
    {
        using var dir = TestFiles.Temp();
        var (trainer, checkpoint) = TrainAndSave(dir.Path, steps: 2);
        using var _ = trainer;
        var files = Directory.GetFiles(checkpoint).OrderBy(f => f).ToArray();
        files.Select(Path.GetFileName).Should().BeEquivalentTo(["checkpoint.json", "model.safetensors", "ema.safetensors", "optimizer.safetensors"]);
        var tested = 0;
        foreach (var file in files)
        {
            var bytes = File.ReadAllBytes(file);
            // Shorten the file one byte at a time in place (cheaper than rewriting it ~40,000 times), then restore it.
            using (var handle = new FileStream(file, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite))
            {
                for (var length = bytes.Length - 1; length >= 0; length--)
                {
                    handle.SetLength(length);
                    // Plain try/catch: FluentAssertions per iteration would dominate the run time.
                    string? message = null;
                    try
                    {
                        trainer.LoadCheckpoint(checkpoint);
                    }
                    catch (InvalidDataException e)
                    {
                        message = e.Message;
                    }
                    if (message is null || !message.Contains(Path.GetFileName(file), StringComparison.Ordinal))
                    {
                        message.Should().Contain(Path.GetFileName(file), $"truncating {Path.GetFileName(file)} to {length} bytes must fail to load naming the file");
                    }
                    tested++;
                }
            }
            File.WriteAllBytes(file, bytes);
        }
        tested.Should().BeGreaterThan(10_000);
        // Intact again: loads.
        trainer.LoadCheckpoint(checkpoint);
        trainer.Step.Should().Be(2);
    }

    [Fact]
    public void LoadCheckpoint_FlippedByteOrMissingFile_ThrowsInvalidData()
    {
        using var dir = TestFiles.Temp();
        var (trainer, checkpoint) = TrainAndSave(dir.Path, steps: 1);
        using var _ = trainer;
        var model = Path.Combine(checkpoint, "model.safetensors");
        var bytes = File.ReadAllBytes(model);
        bytes[bytes.Length / 2] ^= 0x40;
        File.WriteAllBytes(model, bytes);
        FluentActions.Invoking(() => trainer.LoadCheckpoint(checkpoint)).Should().Throw<InvalidDataException>().WithMessage("*model.safetensors*corrupt*SHA-256*");
        File.Delete(model);
        FluentActions.Invoking(() => trainer.LoadCheckpoint(checkpoint)).Should().Throw<InvalidDataException>().WithMessage("*model.safetensors*missing*");
        File.Delete(Path.Combine(checkpoint, "checkpoint.json"));
        FluentActions.Invoking(() => trainer.LoadCheckpoint(checkpoint)).Should().Throw<InvalidDataException>().WithMessage("*checkpoint.json*missing*");
    }

    [Fact]
    public void LoadCheckpoint_OtherArchitecture_ThrowsNamingShapesAndChangesNothing()
    {
        using var dir = TestFiles.Temp();
        var (trainer, checkpoint) = TrainAndSave(dir.Path, steps: 1);
        trainer.Dispose();
        var narrow = new StandInPredictor(hidden: 4, seed: 3);
        var before = TrainingSetup.Bits(narrow.state_dict());
        using var other = TrainingSetup.Trainer(narrow, TrainingSetup.Options(dir.Path));
        FluentActions.Invoking(() => other.LoadCheckpoint(checkpoint)).Should().Throw<InvalidOperationException>()
            .WithMessage("*model.safetensors*does not match*spatial_in.weight [8, 3, 1, 3, 3] vs [4, 3, 1, 3, 3]*");
        TrainingSetup.ShouldBeBitwiseEqual(TrainingSetup.Bits(narrow.state_dict()), before);
        other.Step.Should().Be(0);
    }

    [Fact]
    public void SaveCheckpoint_WriterFailsMidway_PreviousCheckpointUntouchedAndLoadable()
    {
        using var dir = TestFiles.Temp();
        var format = new FailingFormat();
        var options = TrainingSetup.Options(dir.Path);
        using var trainer = new Trainer(new StandInPredictor(seed: 3), TrainingSetup.Schedule, TrainingSetup.Data(), options, format, allowMixedPrecisionOnCpu: false);
        trainer.Train(3);
        var good = trainer.SaveCheckpoint();
        var goodFiles = Directory.GetFiles(good).ToDictionary(f => Path.GetFileName(f)!, File.ReadAllBytes);
        trainer.Train(2);
        format.FailOnWrite = 2; // the EMA file: model.safetensors is complete, ema.safetensors half written
        FluentActions.Invoking(trainer.SaveCheckpoint).Should().Throw<IOException>().WithMessage("*simulated*");

        var root = Path.Combine(dir.Path, "checkpoints");
        Directory.GetDirectories(root).Select(Path.GetFileName).Should().Equal("step-00000003");
        Directory.GetFiles(good).ToDictionary(f => Path.GetFileName(f)!, File.ReadAllBytes).Should().BeEquivalentTo(goodFiles);
        using var fresh = new Trainer(new StandInPredictor(seed: 4), TrainingSetup.Schedule, TrainingSetup.Data(), options, format, allowMixedPrecisionOnCpu: false);
        fresh.ResumeLatest().Should().BeTrue();
        fresh.Step.Should().Be(3);
    }

    [Fact]
    public void Train_CheckpointEveryWithKeep_KeepsNewestAndWritesMetrics()
    {
        using var dir = TestFiles.Temp();
        var options = TrainingSetup.Options(dir.Path) with { TotalSteps = 10, CheckpointEvery = 2, KeepCheckpoints = 2, CheckpointAtEnd = true, LogEvery = 3 };
        using var trainer = TrainingSetup.Trainer(new StandInPredictor(seed: 5), options);
        var result = trainer.Train();
        result.StepsRun.Should().Be(10);
        result.Losses.Should().HaveCount(10).And.OnlyContain(l => double.IsFinite(l));
        Directory.GetDirectories(Path.Combine(dir.Path, "checkpoints")).Select(Path.GetFileName).Order()
            .Should().Equal("step-00000008", "step-00000010");
        result.LastCheckpoint.Should().EndWith("step-00000010");
        var lines = File.ReadAllLines(trainer.MetricsPath!);
        lines.Should().HaveCount(3);
        using var json = System.Text.Json.JsonDocument.Parse(lines[1]);
        json.RootElement.GetProperty("step").GetInt64().Should().Be(6);
        json.RootElement.GetProperty("loss").GetDouble().Should().BeApproximately(result.Losses[5], 1e-12);
        json.RootElement.GetProperty("lr").GetDouble().Should().Be(3e-3);
        json.RootElement.TryGetProperty("grad_norm", out _).Should().BeTrue();
        json.RootElement.TryGetProperty("samples_per_s", out _).Should().BeTrue();
        var info = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(result.LastCheckpoint!, "checkpoint.json"))).RootElement;
        info.GetProperty("Step").GetInt64().Should().Be(10);
        info.GetProperty("Schedule").GetString().Should().Be(TrainingSetup.Schedule.Description);
        info.GetProperty("Options").GetProperty("LearningRate").GetDouble().Should().Be(3e-3);
    }

    [Fact]
    public void SaveCheckpoint_NonFiniteWeight_RefusesAndWritesNothing()
    {
        using var dir = TestFiles.Temp();
        var model = new StandInPredictor(seed: 6);
        using var trainer = TrainingSetup.Trainer(model, TrainingSetup.Options(dir.Path));
        trainer.Train(1);
        using (no_grad())
        {
            model.parameters().First().flatten()[0] = float.NaN;
        }
        FluentActions.Invoking(trainer.SaveCheckpoint).Should().Throw<InvalidOperationException>().WithMessage("*non-finite*");
        var root = Path.Combine(dir.Path, "checkpoints");
        (Directory.Exists(root) ? Directory.GetFileSystemEntries(root) : []).Should().BeEmpty();
    }

    [Fact]
    public void ResumeLatest_KilledBetweenTheRenamesOfAResave_ResumesFromTheOldCopyAndKeepsAGoodCopy()
    {
        using var dir = TestFiles.Temp();
        var options = TrainingSetup.Options(dir.Path) with { KeepCheckpoints = 1 };
        var root = Path.Combine(dir.Path, "checkpoints");
        var trained = new StandInPredictor(seed: 2);
        using (var trainer = TrainingSetup.Trainer(trained, options))
        {
            trainer.Train(3);
            SimulateKillBetweenRenames(trainer.SaveCheckpoint());
        }
        Checkpoints(root).Should().ContainSingle().Which.Should().StartWith("step-00000003.old-");
        TrainingCheckpoint.FindLatest(dir.Path).Should().NotBeNull();

        var model = new StandInPredictor(seed: 9);
        using (var resumed = TrainingSetup.Trainer(model, options))
        {
            resumed.ResumeLatest().Should().BeTrue();
            resumed.Step.Should().Be(3);
            TrainingSetup.ShouldBeBitwiseEqual(TrainingSetup.Bits(model.state_dict()), TrainingSetup.Bits(trained.state_dict()));
            Checkpoints(root).Should().Equal("step-00000003");
            // Re-saving the same step, killed again between the renames: still recoverable.
            SimulateKillBetweenRenames(resumed.SaveCheckpoint());
            resumed.SaveCheckpoint(); // the save recovers the old copy first, then replaces it
            Checkpoints(root).Should().Equal("step-00000003");
            resumed.Train(2);
            resumed.SaveCheckpoint(); // KeepCheckpoints = 1: step 3 goes only after step 5 is complete
            Checkpoints(root).Should().Equal("step-00000005");
        }
        using var last = TrainingSetup.Trainer(new StandInPredictor(seed: 10), options);
        last.ResumeLatest().Should().BeTrue();
        last.Step.Should().Be(5);
    }

    [Fact]
    public void SaveCheckpoint_FailingAfterAKillBetweenRenames_LeavesTheOldCopyLoadable()
    {
        using var dir = TestFiles.Temp();
        var format = new FailingFormat();
        var options = TrainingSetup.Options(dir.Path) with { KeepCheckpoints = 1 };
        using (var trainer = new Trainer(new StandInPredictor(seed: 3), TrainingSetup.Schedule, TrainingSetup.Data(), options, format, allowMixedPrecisionOnCpu: false))
        {
            trainer.Train(3);
            SimulateKillBetweenRenames(trainer.SaveCheckpoint());
            trainer.Train(2);
            format.FailOnWrite = 2; // the next save dies half-way through its second file
            FluentActions.Invoking(trainer.SaveCheckpoint).Should().Throw<IOException>().WithMessage("*simulated*");
        }
        using var fresh = new Trainer(new StandInPredictor(seed: 4), TrainingSetup.Schedule, TrainingSetup.Data(), options, format, allowMixedPrecisionOnCpu: false);
        fresh.ResumeLatest().Should().BeTrue();
        fresh.Step.Should().Be(3);
    }

    /// <summary>The checkpoint directories (primary or moved aside), without temporaries.</summary>
    private static IEnumerable<string> Checkpoints(string root) =>
        Directory.GetDirectories(root).Select(d => Path.GetFileName(d)!).Where(n => n.StartsWith("step-", StringComparison.Ordinal)).Order(StringComparer.Ordinal);

    /// <summary>
    /// The state a kill leaves between the two renames of a re-save of <paramref name="checkpoint"/>'s step: the primary
    /// moved aside to <c>.old-*</c>, the new copy still under its temporary name (complete, as it is written before the renames).
    /// </summary>
    private static void SimulateKillBetweenRenames(string checkpoint)
    {
        var root = Path.GetDirectoryName(checkpoint)!;
        var name = Path.GetFileName(checkpoint);
        var temp = Path.Combine(root, ".tmp-" + name + "-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(temp);
        foreach (var file in Directory.GetFiles(checkpoint))
        {
            File.Copy(file, Path.Combine(temp, Path.GetFileName(file)));
        }
        Directory.Move(checkpoint, checkpoint + ".old-" + Guid.NewGuid().ToString("N"));
    }

    private static (Trainer Trainer, string Checkpoint) TrainAndSave(string runDirectory, int steps)
    {
        var trainer = TrainingSetup.Trainer(new StandInPredictor(seed: 2), TrainingSetup.Options(runDirectory));
        trainer.Train(steps);
        return (trainer, trainer.SaveCheckpoint());
    }

    /// <summary>The interim weight format, failing after half of the <see cref="FailOnWrite"/>-th file (1-based) of a save.</summary>
    private sealed class FailingFormat : ITensorFileFormat
    {
        private int _writes;

        public int FailOnWrite { get; set; }

        public string Extension => SafeTensorsTensorFile.Instance.Extension;

        public string Name => SafeTensorsTensorFile.Instance.Name;

        public void Write(Stream stream, IReadOnlyList<KeyValuePair<string, Tensor>> tensors, IReadOnlyDictionary<string, string>? metadata = null)
        {
            if (FailOnWrite > 0 && ++_writes == FailOnWrite)
            {
                using var buffer = new MemoryStream();
                SafeTensorsTensorFile.Instance.Write(buffer, tensors, metadata);
                stream.Write(buffer.GetBuffer(), 0, (int)buffer.Length / 2);
                throw new IOException("simulated crash while writing");
            }
            SafeTensorsTensorFile.Instance.Write(stream, tensors, metadata);
        }

        public (Dictionary<string, Tensor> Tensors, Dictionary<string, string> Metadata) Read(Stream stream, string path) =>
            SafeTensorsTensorFile.Instance.Read(stream, path);
    }
}
