using BenchmarkDotNet.Attributes;
using VideoDiffusion.Predictors;
using VideoDiffusion.Schedules;
using VideoDiffusion.Training;

namespace VideoDiffusion.Benchmarks;

/// <summary>
/// One optimisation step of <see cref="Trainer"/> with the Tiny network at batch 4 (<c>[4, 3, 16, 32, 32]</c>, float32):
/// batch assembly from in-memory clips, noising, forward, epsilon MSE loss, backward, gradient clipping, AdamW and the
/// EMA update — everything <c>Trainer.Train(1)</c> does, with no run directory (no metrics, previews or checkpoints)
/// and no prefetch thread.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 2, iterationCount: 5)]
public class TrainingBenchmarks
{
    private SpaceTimeUNet _network = null!;
    private InMemoryClips _clips = null!;
    private Trainer _trainer = null!;

    /// <summary>Builds the network, the data and the trainer.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _network = Networks.Build(KnownSpaceTimeUNets.Tiny);
        _clips = new InMemoryClips(8, [3, 16, 32, 32]);
        _trainer = new Trainer(_network, KnownNoiseSchedules.Cosine.Build(), _clips, new TrainerOptions
        {
            TotalSteps = long.MaxValue,
            BatchSize = 4,
            Seed = 1,
            EmaDecay = 0.9999,
            MaxGradNorm = 1.0,
            PrefetchBatches = 0,
            CheckpointAtEnd = false,
        });
        BenchmarkRecords.SetupDone();
    }

    /// <summary>Releases the trainer, the data and the network.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        BenchmarkRecords.CleanupStarting();
        _trainer.Dispose();
        _clips.Dispose();
        _network.Dispose();
    }

    /// <summary>One training step.</summary>
    [Benchmark]
    public long Step() => _trainer.Train(1).StepsRun;
}
