using BenchmarkDotNet.Attributes;
using VideoDiffusion.Predictors;
using static TorchSharp.torch;

namespace VideoDiffusion.Benchmarks;

/// <summary>
/// The two attention layers of the factorized space-time attention alone, each a whole residual layer (LayerNorm,
/// q/k/v projections, scaled dot-product attention, output projection, residual add), under inference mode, on the
/// activations of one clip of 16 frames at the level where the preset attends: Tiny's lowest level (64 channels, 2 heads,
/// 8x8 pixels) and Small's level 1 (128 channels, 4 heads, 16x16 pixels). Spatial attention runs over the H*W pixels of
/// each frame, temporal attention over the 16 frames of each pixel (with the relative position bias).
/// </summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 2, iterationCount: 5)]
public class AttentionBenchmarks
{
    private const long Frames = 16;

    private SpatialAttention _spatial = null!;
    private TemporalAttention _temporal = null!;
    private SpaceTimeStep _step = null!;
    private Tensor _frameTokens = null!;
    private Tensor _timeTokens = null!;
    private double _spatialFlops;
    private double _temporalFlops;

    /// <summary>Which preset's attention level.</summary>
    [Params("Tiny", "Small")]
    public string Preset { get; set; } = "Tiny";

    /// <summary>Setup of <see cref="Spatial"/>: records the FLOPs of one spatial layer.</summary>
    [GlobalSetup(Target = nameof(Spatial))]
    public void SetupSpatial()
    {
        Setup();
        BenchmarkRecords.WriteFlops(_spatialFlops);
        BenchmarkRecords.SetupDone();
    }

    /// <summary>Setup of <see cref="Temporal"/>: records the FLOPs of one temporal layer.</summary>
    [GlobalSetup(Target = nameof(Temporal))]
    public void SetupTemporal()
    {
        Setup();
        BenchmarkRecords.WriteFlops(_temporalFlops);
        BenchmarkRecords.SetupDone();
    }

    /// <summary>Builds both layers, the tokens of one clip and the relative position table, and counts the FLOPs.</summary>
    private void Setup()
    {
        var options = Networks.Options(Preset);
        var (channels, size) = Preset == "Tiny" ? (64, 8L) : (128, 16L);
        var heads = channels / options.AttentionHeadChannels;
        using var generator = new Generator(11, CPU);
        _spatial = new SpatialAttention(channels, heads);
        _temporal = new TemporalAttention(channels, heads, options.RelativePositionBuckets);
        SpaceTimeUNetInitializer.Initialize(_spatial, generator);
        SpaceTimeUNetInitializer.Initialize(_temporal, generator);
        _spatial.eval();
        _temporal.eval();
        _step = new SpaceTimeStep
        {
            Frames = Frames,
            Batch = 1,
            Embedding = zeros(1, options.EmbeddingChannels),
            RelativePositions = RelativePositionBuckets.Table(Frames, options.RelativePositionBuckets, options.RelativePositionMaxDistance, CPU),
        };
        // Frame tokens [T*B, H*W, C] and time tokens [T, B*H*W, C]: the same memory in the network, two tensors here.
        _frameTokens = randn([Frames, size * size, channels], generator: generator);
        _timeTokens = _frameTokens.view(Frames, -1, channels).clone();
        using (inference_mode())
        {
            _spatialFlops = FlopCounter.Count(_spatial, () => _spatial.call(_frameTokens, _step).Dispose());
            _temporalFlops = FlopCounter.Count(_temporal, () => _temporal.call(_timeTokens, _step).Dispose());
        }
    }

    /// <summary>Releases the layers and tensors.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        BenchmarkRecords.CleanupStarting();
        _frameTokens.Dispose();
        _timeTokens.Dispose();
        _step.Embedding.Dispose();
        _step.RelativePositions!.Dispose();
        _spatial.Dispose();
        _temporal.Dispose();
    }

    /// <summary>Spatial self-attention within each frame.</summary>
    [Benchmark(Baseline = true)]
    public void Spatial()
    {
        using var mode = inference_mode();
        using var y = _spatial.call(_frameTokens, _step);
    }

    /// <summary>Temporal self-attention along the frames of each pixel.</summary>
    [Benchmark]
    public void Temporal()
    {
        using var mode = inference_mode();
        using var y = _temporal.call(_timeTokens, _step);
    }
}
